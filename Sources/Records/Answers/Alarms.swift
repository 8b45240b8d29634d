import Domain
import Foundation

/// An alarm with its rule, pack version and inputs (`equipwatch alarms`, `GET /v1/alarms`).
public struct AlarmItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var device: String
    public var type: String
    public var site: String
    /// The site's name beside its id, for the person reading the list.
    public var siteName: String?
    public var rule: String
    public var severity: Severity
    public var state: AlarmState
    public var startedAt: Instant
    public var firedAt: Instant?
    public var resolvedAt: Instant?
    public var repeats: Int64
    public var ackedBy: String?
    public var ackedAt: Instant?
    public var incident: Int64?
    public var message: String
    public var pack: String
    public var inputs: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, type, site, siteName = "site_name", rule, severity, state, startedAt = "started_at", firedAt = "fired_at"
        case resolvedAt = "resolved_at", repeats, ackedBy = "acked_by", ackedAt = "acked_at", incident, message, pack
        case inputs
    }
}

/// An incident (`equipwatch incidents`, `GET /v1/incidents`).
public struct IncidentItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var device: String
    public var type: String
    public var site: String
    public var siteName: String?
    public var rule: String
    public var severity: Severity
    public var status: IncidentStatus
    public var openedAt: Instant
    public var resolvedAt: Instant?
    public var alarm: Int64
    public var title: String
    public var pack: String
    public var inputs: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, type, site, siteName = "site_name", rule, severity, status, openedAt = "opened_at", resolvedAt = "resolved_at", alarm
        case title, pack, inputs
    }
}

/// One entry of an incident's timeline; `detail` is the alarm feed message of the change.
public struct TimelineItem: ResponseRow, Decodable, Equatable {
    public var at: Instant
    public var kind: String
    public var detail: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case at, kind, detail
    }
}

/// What the rule engine needs to resume; layouts are the stored JSON text by hash.
public struct RuleResume: Sendable {
    public let states: [(device: Int64, state: [UInt8])]
    public let layouts: [String: String]
    public let nextAlarmId: Int64
    public let nextIncidentId: Int64

    public init(states: [(device: Int64, state: [UInt8])], layouts: [String: String], nextAlarmId: Int64, nextIncidentId: Int64) {
        (self.states, self.layouts, self.nextAlarmId, self.nextIncidentId) = (states, layouts, nextAlarmId, nextIncidentId)
    }
}
