import Domain
import Foundation
import Inspection
import Records

/// What is wrong with a routine record or a staff list, naming the field (CLI error, API 400;
/// `notFound`: the owner, device or site is outside the caller's scope).
public struct RoutineError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var notFound = false
    public init(field: String, message: String, notFound: Bool = false) { (self.field, self.message, self.notFound) = (field, message, notFound) }
    public var description: String { "\(field): \(message)" }
}

/// One named person, as the CLI and the API take them.
public struct StaffMember: Sendable {
    public let role: StaffRole
    public let name: String
    public let certificate: String?
    public init(role: StaffRole, name: String, certificate: String?) { (self.role, self.name, self.certificate) = (role, name, certificate) }
}

extension Store {
    /// Names `owner`'s staff (replacing the previous list): a principal, a safety director and at
    /// least one safety officer (SAMR Order 74). A certificate, when given, must be a registered A
    /// (safety management) certificate of a worker of the owner.
    public func nameStaff(owner: String, _ members: [StaffMember], scope: Role, by who: String, now: Int64) throws {
        try checkOwner(owner, scope: scope)
        for role in StaffRole.allCases where !members.contains(where: { $0.role == role }) {
            throw RoutineError(field: role.rawValue, message: "name the \(role.rawValue.replacingOccurrences(of: "_", with: " ")) (\(role.chinese))")
        }
        for m in members {
            guard !m.name.trimmingCharacters(in: .whitespaces).isEmpty, m.name.count <= 100 else {
                throw RoutineError(field: m.role.rawValue, message: "a name of 1 to 100 characters")
            }
            if let number = m.certificate {
                guard let c = try certificate(number), c.item == .a, c.employer == .owner(owner) else {
                    throw RoutineError(field: "certificate", message: "\(number) is not a registered A (safety management) certificate of a worker of \(owner)")
                }
            }
        }
        try setStaff(owner: owner, staff: members.map { ($0.role, $0.name.trimmingCharacters(in: .whitespaces), $0.certificate) },
                     since: localDays.day(now), by: who, at: now)
    }

    /// Records one routine record: by a named staff member of the kind's role, for a period that
    /// has begun (default: the current one), on a device or site of the owner's.
    public func recordRoutine(owner: String, kind: RoutineKind, period key: String?, device: String?, site: String?, by: String,
                              findings: String, hazards: Int, scope: Role, recordedBy: String, now: Int64) throws -> RoutineRow {
        try checkOwner(owner, scope: scope)
        let staff = try staff(scope: .owner(owner))
        guard !staff.isEmpty else { throw RoutineError(field: "owner", message: "\(owner) has not named its staff yet (routine staff)") }
        let holders = staff.filter { $0.role == kind.holder }.map(\.name)
        guard holders.contains(by) else {
            throw RoutineError(field: "by", message: "the \(kind.rawValue) record (\(kind.chinese)) is held by the \(kind.holder.rawValue.replacingOccurrences(of: "_", with: " ")) (\(kind.holder.chinese)): \(holders.joined(separator: ", ")), not '\(by)'")
        }
        let today = localDays.day(now)
        let current = kind.period(of: today)
        let period = key ?? current.key
        guard RoutineCalendar.isPeriodKey(period, of: kind) else {
            throw RoutineError(field: "period", message: "'\(period)' is not a \(kind.rawValue) period (\(RoutineCalendar.example(kind)))")
        }
        guard period <= current.key else { throw RoutineError(field: "period", message: "\(period) has not begun") }
        guard hazards >= 0, hazards <= 10_000 else { throw RoutineError(field: "hazards", message: "from 0 to 10000") }
        guard findings.count <= 4000 else { throw RoutineError(field: "findings", message: "at most 4000 characters") }
        let draft = RoutineDraft(owner: owner, kind: kind, period: period, device: device, site: site, by: by, findings: findings,
                                 hazards: hazards, recordedBy: recordedBy, recordedAt: now)
        guard let id = try addRoutineRecord(draft) else {
            throw RoutineError(field: device == nil ? "site" : "device", message: "no \(device.map { "device \($0)" } ?? "site \(site ?? "")") of \(owner)", notFound: true)
        }
        guard let row = try routineRecords(scope: .owner(owner), kind: kind, fromPeriod: period, limit: 1000).first(where: { $0.id == id }) else {
            throw RoutineError(field: "id", message: "routine record \(id) vanished")
        }
        return row
    }

    /// An owner within `scope` (an owner token: itself; a firm: none), or a clear refusal.
    private func checkOwner(_ owner: String, scope: Role) throws {
        switch scope {
        case .supervisor: break
        case .owner(let id) where id == owner: break
        case .owner: throw RoutineError(field: "owner", message: "no owner \(owner) within your scope", notFound: true)
        case .firm: throw RoutineError(field: "owner", message: "owners' routines are kept by owners and read by supervisors", notFound: true)
        }
        guard try ids(of: .owners).contains(owner) else {
            throw RoutineError(field: "owner", message: "no registered owner \(owner)", notFound: true)
        }
    }

    /// Each owner's routine from `from` through `to` (periods that ended by then, and before
    /// `today`), within `scope`: due, recorded, missed, per kind. Owners without named staff have
    /// nothing due and say so.
    public func routineCompliance(from: Day, through to: Day, today: Day, scope: Role) throws -> [RoutineComplianceRow] {
        let owners = try ids(of: .owners).filter { id in
            switch scope { case .supervisor: true; case .owner(let o): o == id; case .firm: false }
        }
        let since = RoutineCalendar.since(try staff(scope: scope).map { ($0.owner, $0.since) })
        let recorded = try recordedPeriods(scope: scope, from: from)
        var out: [RoutineComplianceRow] = []
        for owner in owners.sorted() {
            guard let start = since[owner] else {
                out.append(RoutineComplianceRow(owner: owner, kind: nil, due: 0, recorded: 0, staffNamed: false, lastMissed: nil))
                continue
            }
            for kind in RoutineKind.allCases {
                let due = RoutineCalendar.due(kind, since: start, from: from, through: min(to, today.adding(days: -1)))
                let done = due.filter { recorded.contains(RoutineComplianceRow.key(owner: owner, kind: kind, period: $0.key)) }
                let missed = due.last { !recorded.contains(RoutineComplianceRow.key(owner: owner, kind: kind, period: $0.key)) }
                out.append(RoutineComplianceRow(owner: owner, kind: kind, due: due.count, recorded: done.count, staffNamed: true, lastMissed: missed?.key))
            }
        }
        return out
    }

    /// Missed routine periods (every kind) per owner within the `windowDays` before `today`: a
    /// likelihood input of the risk grade (Rules/risk.yaml `routine_missed`).
    public func routineMissed(windowDays: Int, today: Day) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try routineCompliance(from: today.adding(days: -windowDays), through: today.adding(days: -1), today: today, scope: .supervisor)
        where row.missed > 0 {
            out[row.owner, default: 0] += row.missed
        }
        return out
    }
}

/// Notices to an owner (on `owner-notices/{owner}`) of a routine record missing for the period
/// that just ended: once per owner, kind and period.
public enum RoutineReminders {
    public static func due(_ store: any Store, today: Day, topics: Topics, now: Int64) throws -> [(key: String, message: OutboxMessage)] {
        let since = RoutineCalendar.since(try store.staff(scope: .supervisor).map { ($0.owner, $0.since) })
        guard !since.isEmpty else { return [] }
        let recorded = try store.recordedPeriods(scope: .supervisor, from: today.adding(days: -40))
        var out: [(key: String, message: OutboxMessage)] = []
        for (owner, start) in since.sorted(by: { $0.key < $1.key }) {
            for kind in RoutineKind.allCases {
                let last = kind.period(of: kind.period(of: today).first.adding(days: -1))
                guard last.first >= start, !recorded.contains(RoutineComplianceRow.key(owner: owner, kind: kind, period: last.key)) else { continue }
                var w = JSONWriter()
                w.add("kind", .string("routine_missing"))
                w.add("owner", .string(owner))
                w.add("routine", .string(kind.rawValue))
                w.add("period", .string(last.key))
                w.add("holder", .string(kind.holder.rawValue))
                w.add("reason", .string("no \(kind.rawValue) routine record for \(last.key): the \(kind.holder.rawValue.replacingOccurrences(of: "_", with: " ")) records it (SAMR Order 74)"))
                w.add("reason_zh", .string("\(last.key) 未记录\(kind.chinese)（应由\(kind.holder.chinese)记录，市场监管总局令第74号）"))
                w.add("created_at", .string(Timestamp.format(now)))
                out.append((key: "routine:\(owner):\(kind.rawValue):\(last.key)", message: OutboxMessage(topic: topics.ownerNotices(owner: owner), payload: w.finish())))
            }
        }
        return out
    }

    /// Sends the notices due at `now` that were not sent before; returns how many.
    @discardableResult
    public static func send(_ store: any Store, now: Int64, topics: Topics) throws -> Int {
        let due = try due(store, today: store.localDays.day(now), topics: topics, now: now)
        guard !due.isEmpty else { return 0 }
        let sent = try store.sentReminders(due.map(\.key))
        return try store.recordReminders(due.filter { !sent.contains($0.key) }, at: now)
    }
}
