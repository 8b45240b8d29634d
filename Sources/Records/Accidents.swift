import Domain
import Foundation

/// A special-equipment accident (特种设备事故) on record (`equipwatch accidents`, `GET
/// /v1/accidents`): what happened, its class, the reporting clock and the investigation.
public struct AccidentItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// Its class under the regulations (`general` 一般 … `extraordinary` 特别重大).
    public var `class`: AccidentClass
    public var status: AccidentStatus
    /// When it happened.
    public var occurredAt: Instant
    /// The device's registration code (the first device named).
    public var device: String
    /// Every device involved, space-separated.
    public var devices: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The site's id.
    public var site: String
    /// The site's name, for the person reading.
    public var siteName: String?
    /// The owner's (使用单位) id.
    public var owner: String
    /// The maintenance firm's id.
    public var firm: String
    /// Where it happened, in words (the site when not given).
    public var place: String?
    public var deaths: Int
    public var seriousInjuries: Int
    /// Direct economic loss in CNY.
    public var lossCny: Int64
    /// The special case that classes it whatever its casualties (`elevator_held`...), if any.
    public var specialCase: String?
    /// What happened, in words.
    public var summary: String?
    /// The trapped-passenger alarm it came from, if any.
    public var alarm: Int64?
    /// That alarm's incident, if any.
    public var incident: Int64?
    /// The owner must have reported it by then.
    public var reportDueAt: Instant
    /// When it was reported to the supervisor (nil: not yet: a proposal).
    public var reportedAt: Instant?
    public var reportedBy: String?
    /// Reported after `report_due_at`, or not reported and past it.
    public var reportLate: Bool
    /// The cause the investigation found.
    public var cause: String?
    /// The investigation's findings.
    public var findings: String?
    public var recordedBy: String
    public var recordedAt: Instant

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, `class`, status, occurredAt = "occurred_at", device, devices, type, site, siteName = "site_name", owner, firm, place
        case deaths, seriousInjuries = "serious_injuries", lossCny = "loss_cny", specialCase = "special_case", summary, alarm, incident
        case reportDueAt = "report_due_at", reportedAt = "reported_at", reportedBy = "reported_by", reportLate = "report_late"
        case cause, findings, recordedBy = "recorded_by", recordedAt = "recorded_at"
    }
}

/// Which accidents a list shows.
public struct AccidentFilter: Sendable {
    /// [from, to) of `occurred_at`, epoch ms.
    public var from: Int64?
    public var to: Int64?
    public var status: AccidentStatus?
    /// The device's registration code (any device of the accident).
    public var device: String?
    public var scope: Role = .supervisor
    public var limit = 100
    /// `report_late` is decided as of this time (epoch ms).
    public var now: Int64
    public init(from: Int64? = nil, to: Int64? = nil, status: AccidentStatus? = nil, device: String? = nil, now: Int64) {
        (self.from, self.to, self.status, self.device, self.now) = (from, to, status, device, now)
    }
}

/// An accident as a person reports it, before it is checked and classed.
public struct AccidentReport: Sendable {
    /// Registration codes, the first being the device it happened on; at least one.
    public var devices: [String]
    public var occurredAt: Int64
    public var place: String?
    public var deaths: Int
    public var seriousInjuries: Int
    /// Direct economic loss in CNY.
    public var lossCny: Int64
    public var specialCase: String?
    public var summary: String?
    public init(devices: [String], occurredAt: Int64, place: String? = nil, deaths: Int = 0, seriousInjuries: Int = 0, lossCny: Int64 = 0,
                specialCase: String? = nil, summary: String? = nil) {
        (self.devices, self.occurredAt, self.place, self.deaths, self.seriousInjuries) = (devices, occurredAt, place, deaths, seriousInjuries)
        (self.lossCny, self.specialCase, self.summary) = (lossCny, specialCase, summary)
    }
}

/// An accident to record: the report with what was decided about it. `class` is decided by the
/// caller (`AccidentPolicy.classify`); the store keeps it as decided, with the figures it was
/// decided on.
public struct AccidentDraft: Sendable {
    public var report: AccidentReport
    public var `class`: AccidentClass
    public var status: AccidentStatus
    public var reportDueAt: Int64
    /// When and by whom it was reported (nil for a proposal).
    public var reportedAt: Int64?
    public var reportedBy: String?
    public var alarm: Int64?
    public var incident: Int64?
    public var recordedBy: String
    public var recordedAt: Int64

    public init(report: AccidentReport, class: AccidentClass, status: AccidentStatus, reportDueAt: Int64, reportedAt: Int64?, reportedBy: String?,
                alarm: Int64? = nil, incident: Int64? = nil, recordedBy: String, recordedAt: Int64) {
        (self.report, self.class, self.status, self.reportDueAt, self.reportedAt) = (report, `class`, status, reportDueAt, reportedAt)
        (self.reportedBy, self.alarm, self.incident, self.recordedBy, self.recordedAt) = (reportedBy, alarm, incident, recordedBy, recordedAt)
    }

    /// The `accident` change on the supervisors' stream.
    public static func changePayload(id: Int64, _ c: AccidentClass, _ s: AccidentStatus, device: String) -> String {
        var w = JSONWriter()
        w.add("id", id)
        w.add("device", .string(device))
        w.add("class", .string(c.rawValue))
        w.add("status", .string(s.rawValue))
        return w.finish()
    }
}

/// A change to an accident record: its status, the investigation's figures and findings.
/// nil fields stay as they are; `class` is decided again by the caller from the new figures.
public struct AccidentUpdate: Sendable {
    public var status: AccidentStatus?
    public var deaths: Int?
    public var seriousInjuries: Int?
    public var lossCny: Int64?
    public var cause: String?
    public var findings: String?
    public var `class`: AccidentClass?
    /// Who changes it, and when (a move to `reported` records them as the report).
    public var by: String
    public var at: Int64
    public init(status: AccidentStatus? = nil, deaths: Int? = nil, seriousInjuries: Int? = nil, lossCny: Int64? = nil, cause: String? = nil,
                findings: String? = nil, class: AccidentClass? = nil, by: String, at: Int64) {
        (self.status, self.deaths, self.seriousInjuries, self.lossCny, self.cause) = (status, deaths, seriousInjuries, lossCny, cause)
        (self.findings, self.class, self.by, self.at) = (findings, `class`, by, at)
    }
}

/// What recording an accident did.
public enum AccidentRecordResult: Sendable, Equatable {
    case recorded(id: Int64)
    /// A device named is not registered, or not within the caller's scope.
    case unknownDevice(String)
    /// The alarm has an accident record already (a proposal is made once).
    case alreadyProposed(id: Int64)
}

/// A trapped-passenger alarm still open at the held-for limit: an accident to propose.
public struct HeldPassengers: Sendable, Equatable {
    public let alarmId: Int64
    public let deviceNum: Int64
    /// The device's registration code.
    public let device: String
    public let type: String
    public let site: String
    public let firm: String
    public let owner: String
    /// When the passengers were trapped (the alarm fired).
    public let firedAt: Int64
    public let incidentId: Int64?

    public init(alarmId: Int64, deviceNum: Int64, device: String, type: String, site: String, firm: String, owner: String, firedAt: Int64,
                incidentId: Int64?) {
        (self.alarmId, self.deviceNum, self.device, self.type, self.site) = (alarmId, deviceNum, device, type, site)
        (self.firm, self.owner, self.firedAt, self.incidentId) = (firm, owner, firedAt, incidentId)
    }
}

/// Accidents counted by one dimension, for the yearly report.
public struct AccidentCountItem: ResponseRow, Decodable, Equatable {
    /// The class, device type or cause (`under_investigation` while none is found).
    public var key: String
    public var accidents: Int
    public var deaths: Int
    public var seriousInjuries: Int
    public var lossCny: Int64

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case key, accidents, deaths, seriousInjuries = "serious_injuries", lossCny = "loss_cny"
    }
}

/// How the yearly report breaks accidents down.
public enum AccidentDimension: String, Sendable, CaseIterable {
    case `class`, type, cause
}

/// What a store keeps of accidents (part of `Store`; both engines implement it).
public protocol AccidentStore: AnyObject, Sendable {
    /// Accidents within `filter.scope` (by their first device), newest first.
    func accidents(_ filter: AccidentFilter) throws(StoreError) -> [AccidentItem]

    /// One accident within `scope`, or nil; `report_late` as of `now`.
    func accident(_ id: Int64, scope: Role, now: Int64) throws(StoreError) -> AccidentItem?

    /// Records an accident whose devices are all within `scope`, with a `device` change on the
    /// stream, in one transaction. A draft with an alarm is kept once per alarm.
    func recordAccident(_ draft: AccidentDraft, scope: Role) throws(StoreError) -> AccidentRecordResult

    /// Changes an accident within `scope`; nil when there is none. Moving a proposal to
    /// `reported` records who reported it and when. Which moves are allowed is the caller's check.
    func updateAccident(_ id: Int64, _ update: AccidentUpdate, scope: Role) throws(StoreError) -> AccidentItem?

    /// Trapped-passenger alarms still open at `now` that fired at or before `firedBy`, on devices
    /// of `types`, with no accident record yet: accidents to propose.
    func heldPassengers(firedBy: Int64, types: [String]) throws(StoreError) -> [HeldPassengers]

    /// Proposes the accident of held passengers once (the alarm is its key), with a timeline entry
    /// on the incident, the feed message `message`, and the stream, in one transaction. nil when
    /// the alarm was resolved or has a record meanwhile.
    func proposeAccident(_ held: HeldPassengers, _ draft: AccidentDraft, message: OutboxMessage) throws(StoreError) -> Int64?

    /// Accidents that occurred in [from, to), counted by `dimension`, within `scope`; dismissed
    /// proposals and proposals not yet reported are not counted.
    func accidentCounts(by dimension: AccidentDimension, from: Int64, to: Int64, scope: Role) throws(StoreError) -> [AccidentCountItem]
}
