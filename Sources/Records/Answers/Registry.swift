import Domain
import Foundation

/// A registered device with its site category, monitoring state, last contact and risk grade (`equipwatch devices`, `GET /v1/devices`).
public struct DeviceItem: ResponseRow, Decodable, Equatable {
    public var id: String
    public var type: String
    public var gateway: String
    public var site: String
    /// Names beside ids, for the person reading the list.
    public var siteName: String?
    public var location: String?
    public var owner: String
    var ownerName: String?
    public var firm: String
    public var firmName: String?
    public var commissioned: String
    public var monitored: Bool
    public var lastSeen: Instant?
    public var messages: Int64
    public var riskGrade: Grade?
    var riskScore: Double?
    /// Must not be used (an inspection overdue or failed, a grade that forbids use, an open major
    /// hazard), and why: in English, and as a code with its parameters (`overdue:periodic:2026-05-01`,
    /// `failed:periodic:2026-11-20`, `grade:periodic:5`, `hazard:elevator.door_lock_bridged:2026-12-01`)
    /// that a reader renders in its own language.
    public var mustNotUse: Bool
    public var mustNotUseReason: String?
    var mustNotUseCode: String?
    public var attributes: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, type, gateway, site, siteName = "site_name", location, owner, ownerName = "owner_name", firm, firmName = "firm_name", commissioned, monitored, lastSeen = "last_seen", messages
        case riskGrade = "risk_grade", riskScore = "risk_score", mustNotUse = "must_not_use", mustNotUseReason = "must_not_use_reason"
        case mustNotUseCode = "must_not_use_code", attributes
    }
}

/// One stored reading (`equipwatch readings`).
public struct ReadingItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var ts: Instant
    public var seq: Int64?
    public var receivedAt: Instant
    public var data: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, ts, seq, receivedAt = "received_at", data
    }

    public init(id: Int64, ts: Instant, seq: Int64? = nil, receivedAt: Instant, data: RawJSON) {
        (self.id, self.ts, self.seq, self.receivedAt, self.data) = (id, ts, seq, receivedAt, data)
    }
}

/// A device event or one the pipeline derived (`equipwatch events`).
public struct EventItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var device: String
    public var ts: Instant
    public var code: String
    public var source: String
    public var seq: Int64?
    public var receivedAt: Instant
    public var data: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, ts, code, source, seq, receivedAt = "received_at", data
    }
}

/// A rejected message with its reason (`equipwatch deadletters`).
public struct DeadLetterItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var receivedAt: Instant
    public var reason: String
    public var detail: String
    public var topic: String
    public var gateway: String?
    public var device: String?
    public var payloadSize: Int64
    public var payload: PayloadText
    /// The whole payload's SHA-256 when only its first bytes are kept (`ingest.dead_letter_payload_cap`).
    public var payloadSHA256: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, receivedAt = "received_at", reason, detail, topic, gateway, device, payloadSize = "payload_size"
        case payload, payloadSHA256 = "payload_sha256"
    }
}

/// The registry as stored: devices with their compact `num` key, in `num` order.
public struct StoredRegistry: Sendable {
    public var firms: [Firm] = []
    public var owners: [Owner] = []
    public var sites: [Site] = []
    public var gateways: [String] = []
    public var devices: [(num: Int64, record: DeviceRecord)] = []
    public var stations: [FillingStation] = []

    public init(firms: [Firm] = [], owners: [Owner] = [], sites: [Site] = [], gateways: [String] = [], devices: [(num: Int64, record: DeviceRecord)] = [], stations: [FillingStation] = []) {
        (self.firms, self.owners, self.sites, self.gateways, self.devices) = (firms, owners, sites, gateways, devices)
        self.stations = stations
    }
}

/// The registry's id lists a filter can name, for "no such firm" answers.
public enum RegistryList: String, Sendable, CaseIterable {
    case firms, sites, owners, gateways, types
}
