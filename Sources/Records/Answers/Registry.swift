import Domain
import Foundation

/// A registered device with its site category, monitoring state, last contact and risk grade (`equipwatch devices`, `GET /v1/devices`).
public struct DeviceItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The gateway's id.
    public var gateway: String
    /// The site's id.
    public var site: String
    /// Names beside ids, for the person reading the list.
    public var siteName: String?
    public var location: String?
    /// The owner's (使用单位) id.
    public var owner: String
    /// The owner's name, for the person reading.
    public var ownerName: String?
    /// The maintenance firm's id.
    public var firm: String
    /// The firm's name, for the person reading.
    public var firmName: String?
    /// When it was put into service (local date).
    public var commissioned: String
    public var monitored: Bool
    /// When the device was last heard from.
    public var lastSeen: Instant?
    /// Messages stored.
    public var messages: Int64
    public var riskGrade: Grade?
    public var riskScore: Double?
    /// Must not be used (an inspection overdue or failed, a grade that forbids use, an open major
    /// hazard), and why: in English, and as a code with its parameters (`overdue:periodic:2026-05-01`,
    /// `failed:periodic:2026-11-20`, `grade:periodic:5`, `hazard:elevator.door_lock_bridged:2026-12-01`)
    /// that a reader renders in its own language.
    public var mustNotUse: Bool
    public var mustNotUseReason: String?
    public var mustNotUseCode: String?
    /// The device's attributes from the fleet file (JSON).
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
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// When it happened, by the device's clock.
    public var ts: Instant
    /// The device's sequence number, when it sent one.
    public var seq: Int64?
    /// When the pipeline received it.
    public var receivedAt: Instant
    /// The message's data object as sent (nested JSON in answers).
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
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The device's registration code.
    public var device: String
    /// When it happened, by the device's clock.
    public var ts: Instant
    /// The event or reason code.
    public var code: String
    /// Who produced it (per record: the device or the pipeline, the API, MQTT or the CLI).
    public var source: String
    /// The device's sequence number, when it sent one.
    public var seq: Int64?
    /// When the pipeline received it.
    public var receivedAt: Instant
    /// The message's data object as sent (nested JSON in answers).
    public var data: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, ts, code, source, seq, receivedAt = "received_at", data
    }
}

/// A rejected message with its reason (`equipwatch deadletters`).
public struct DeadLetterItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// When the pipeline received it.
    public var receivedAt: Instant
    /// Why, in English.
    public var reason: String
    /// Details as JSON, per kind.
    public var detail: String
    public var topic: String
    /// The gateway's id.
    public var gateway: String?
    /// The device's registration code.
    public var device: String?
    public var payloadSize: Int64
    /// The payload as text, or `base64:` and its bytes.
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
    /// The devices with their compact keys, in key order.
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
