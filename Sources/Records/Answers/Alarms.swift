import Domain
import Foundation

/// An alarm with its rule, pack version and inputs (`equipwatch alarms`, `GET /v1/alarms`).
public struct AlarmItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The device's registration code.
    public var device: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The site's id.
    public var site: String
    /// The site's name beside its id, for the person reading the list.
    public var siteName: String?
    /// The id of the rule that raised it.
    public var rule: String
    /// The alarm's severity.
    public var severity: Severity
    public var state: AlarmState
    /// When the condition began to hold.
    public var startedAt: Instant
    /// When it fired (nil while pending).
    public var firedAt: Instant?
    /// When it resolved (nil while open).
    public var resolvedAt: Instant?
    /// How many times the condition fired again while the alarm was open.
    public var repeats: Int64
    /// Who acknowledged it (nil until acknowledged).
    public var ackedBy: String?
    /// When it was acknowledged.
    public var ackedAt: Instant?
    public var incident: Int64?
    /// The alarm's message in English.
    public var message: String
    /// The rule pack's version (content hash) the rule came from.
    public var pack: String
    /// The input values that triggered it (JSON).
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
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The device's registration code.
    public var device: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The site's id.
    public var site: String
    /// The site's name, for the person reading.
    public var siteName: String?
    /// The id of the rule that raised it.
    public var rule: String
    /// The alarm's severity.
    public var severity: Severity
    /// Where it stands.
    public var status: IncidentStatus
    /// When it was opened.
    public var openedAt: Instant
    /// When it resolved (nil while open).
    public var resolvedAt: Instant?
    /// The alarm's id.
    public var alarm: Int64
    /// The incident's title in English.
    public var title: String
    /// The rule pack's version (content hash) the rule came from.
    public var pack: String
    /// The input values that triggered it (JSON).
    public var inputs: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, type, site, siteName = "site_name", rule, severity, status, openedAt = "opened_at", resolvedAt = "resolved_at", alarm
        case title, pack, inputs
    }
}

/// One entry of an incident's timeline; `detail` is the alarm feed message of the change.
public struct TimelineItem: ResponseRow, Decodable, Equatable {
    /// When it happened.
    public var at: Instant
    /// What kind it is (a closed vocabulary, per record).
    public var kind: String
    /// Details as JSON, per kind.
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
