import Domain
import Inspection
import Records

/// What is wrong with an accident record or change, naming the field (CLI error, API 400).
public struct AccidentRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(field: String, message: String) { (self.field, self.message) = (field, message) }
    public var description: String { "\(field): \(message)" }
}

/// Who may do what with accident records: owners report their devices' accidents and confirm
/// proposals; supervisors do that too and run the investigation; firms read.
public enum AccidentRoles {
    public static func mayRecord(_ role: Role) -> Bool {
        switch role { case .supervisor, .owner: true; case .firm: false }
    }

    /// Moving to `reported` (confirming a proposal) is the owner's or a supervisor's; every other
    /// move, and changing the figures, cause or findings, is the investigation's: a supervisor's.
    public static func mayUpdate(_ role: Role, to status: AccidentStatus?, figures: Bool) -> Bool {
        switch role {
        case .supervisor: true
        case .owner: !figures && status == .reported
        case .firm: false
        }
    }
}

extension Store {
    /// Records an accident the way the CLI and the API both do: checked (`AccidentRecordError`
    /// names the field), classed by `policy`, reported by `by` now (recording is reporting), with
    /// the report due `report_within` after it occurred. Devices outside `scope` are unknown.
    public func record(accident r: AccidentReport, policy: AccidentPolicy, by: String, scope: Role, now: Int64) throws -> AccidentItem {
        try AccidentChecks.check(r, policy: policy, now: now)
        if let id = r.specialCase, let c = policy.specialCase(id), !c.types.isEmpty {
            for device in r.devices {
                guard let d = try registeredDevice(device) else { continue }
                guard c.types.contains(d.record.type) else {
                    throw AccidentRecordError(field: "special_case", message: "\(id) applies to \(c.types.joined(separator: ", ")), not to \(device), a \(d.record.type)")
                }
            }
        }
        let cls = policy.classify(deaths: r.deaths, seriousInjuries: r.seriousInjuries, lossCNY: r.lossCny, specialCase: r.specialCase)
        let draft = AccidentDraft(report: r, class: cls, status: .reported, reportDueAt: r.occurredAt + policy.reportWithinMs,
                                  reportedAt: now, reportedBy: by, recordedBy: by, recordedAt: now)
        switch try recordAccident(draft, scope: scope) {
        case .recorded(let id):
            guard let item = try accident(id, scope: scope, now: now) else { throw AccidentRecordError(field: "id", message: "accident \(id) vanished") }
            return item
        case .unknownDevice(let d):
            throw AccidentRecordError(field: "device", message: "no device \(d) is registered\(scope == .supervisor ? "" : " within your scope")")
        case .alreadyProposed(let id):
            throw AccidentRecordError(field: "alarm", message: "the alarm has accident \(id) already")
        }
    }

    /// Changes an accident: a status move allowed from where it stands, new figures classed again
    /// by `policy`. nil when there is no such accident within `scope`.
    public func update(accident id: Int64, status: AccidentStatus?, deaths: Int?, seriousInjuries: Int?, lossCny: Int64?, cause: String?,
                       findings: String?, policy: AccidentPolicy, by: String, scope: Role, now: Int64) throws -> AccidentItem? {
        guard let current = try accident(id, scope: scope, now: now) else { return nil }
        let figures = deaths != nil || seriousInjuries != nil || lossCny != nil || cause != nil || findings != nil
        guard AccidentRoles.mayUpdate(scope, to: status, figures: figures) else {
            throw AccidentRecordError(field: "role", message: """
                an owner confirms a proposed accident (status reported); the investigation's status, figures, cause and findings \
                are a supervisor's
                """)
        }
        if let status, status != current.status, !current.status.next.contains(status) {
            let allowed = current.status.next.map(\.rawValue).joined(separator: ", ")
            throw AccidentRecordError(field: "status", message: "accident \(id) is \(current.status.rawValue): it can move to \(allowed.isEmpty ? "nothing (it is final)" : allowed), not \(status.rawValue)")
        }
        if status == .dismissed, (findings ?? current.findings ?? "").isEmpty {
            throw AccidentRecordError(field: "findings", message: "say why the proposal is not an accident")
        }
        try AccidentChecks.counts(deaths: deaths, seriousInjuries: seriousInjuries, lossCny: lossCny)
        try AccidentChecks.text("cause", cause)
        try AccidentChecks.text("findings", findings)
        let cls = figures ? policy.classify(deaths: deaths ?? current.deaths, seriousInjuries: seriousInjuries ?? current.seriousInjuries,
                                            lossCNY: lossCny ?? current.lossCny, specialCase: current.specialCase) : nil
        return try updateAccident(id, AccidentUpdate(status: status, deaths: deaths, seriousInjuries: seriousInjuries, lossCny: lossCny,
                                                     cause: cause, findings: findings, class: cls, by: by, at: now), scope: scope)
    }
}

enum AccidentChecks {
    static func check(_ r: AccidentReport, policy: AccidentPolicy, now: Int64) throws(AccidentRecordError) {
        guard !r.devices.isEmpty else { throw AccidentRecordError(field: "device", message: "name the device (or devices) involved") }
        guard Set(r.devices).count == r.devices.count else { throw AccidentRecordError(field: "device", message: "a device is named twice") }
        guard r.occurredAt <= now + 60_000 else { throw AccidentRecordError(field: "at", message: "the time is in the future") }
        try counts(deaths: r.deaths, seriousInjuries: r.seriousInjuries, lossCny: r.lossCny)
        if let id = r.specialCase, policy.specialCase(id) == nil {
            throw AccidentRecordError(field: "special_case", message: "'\(id)' is not a special case of Rules/accidents.yaml (\(policy.specialCases.map(\.id).joined(separator: ", ")))")
        }
        try text("place", r.place)
        try text("summary", r.summary)
    }

    /// People from 0 to a million, a loss from 0 to 10^15 CNY: sums over a year stay exact.
    static func counts(deaths: Int?, seriousInjuries: Int?, lossCny: Int64?) throws(AccidentRecordError) {
        for (field, n) in [("deaths", deaths), ("serious_injuries", seriousInjuries)] {
            if let n, !(0...1_000_000).contains(n) { throw AccidentRecordError(field: field, message: "must be from 0 to 1,000,000, not \(n)") }
        }
        if let n = lossCny, !(0...1_000_000_000_000_000).contains(n) {
            throw AccidentRecordError(field: "loss_cny", message: "must be from 0 to 10^15 CNY, not \(n)")
        }
    }

    static func text(_ field: String, _ value: String?) throws(AccidentRecordError) {
        if let v = value, v.unicodeScalars.count > 2000 { throw AccidentRecordError(field: field, message: "at most 2,000 characters") }
    }
}
