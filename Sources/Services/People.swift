import Domain
import Inspection
import Records

/// What is wrong with a certificate or policy written through the API or an import, naming the
/// field (CLI error, API 400).
public struct PeopleRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(field: String, message: String) { (self.field, self.message) = (field, message) }
    public var description: String { "\(field): \(message)" }
}

extension Store {
    /// Saves certificates after checking that each employer is a registered firm or owner.
    public func importCertificates(_ certificates: [Certificate], by who: String, now: Int64) throws -> Int {
        let firms = Set(try ids(of: .firms)), owners = Set(try ids(of: .owners))
        for c in certificates {
            switch c.employer {
            case .firm(let id) where !firms.contains(id):
                throw PeopleRecordError(field: "employer", message: "certificate \(c.number): no registered firm \(id)")
            case .owner(let id) where !owners.contains(id):
                throw PeopleRecordError(field: "employer", message: "certificate \(c.number): no registered owner \(id)")
            case .supervisor:
                throw PeopleRecordError(field: "employer", message: "certificate \(c.number): the employer is firm:ID or owner:ID")
            default: break
            }
        }
        return try saveCertificates(certificates, by: who, at: now)
    }

    /// Saves policies after checking owners, devices (the owner's) and types.
    public func importPolicies(_ policies: [InsurancePolicy], types: Set<String>, by who: String, now: Int64) throws -> Int {
        let owners = Set(try ids(of: .owners))
        for p in policies {
            guard owners.contains(p.owner) else { throw PeopleRecordError(field: "owner", message: "policy \(p.number): no registered owner \(p.owner)") }
            if let device = p.device {
                guard let d = try registeredDevice(device), d.record.owner == p.owner else {
                    throw PeopleRecordError(field: "device", message: "policy \(p.number): no device \(device) of owner \(p.owner)")
                }
            }
            for t in p.types where !types.contains(t) {
                throw PeopleRecordError(field: "types", message: "policy \(p.number): '\(t)' is not a device type (\(types.sorted().joined(separator: ", ")))")
            }
        }
        return try savePolicies(policies, by: who, at: now)
    }

    /// Certificates within `scope` as of `today`, those within `expiringWithin` days of their end
    /// (or past it) only when given, soonest end first.
    public func certificateRows(scope: Role, today: Day, leadDays: Int, expiringWithin: Int? = nil) throws(StoreError) -> [CertificateRow] {
        try certificates(scope: scope)
            .map { CertificateRow($0, today: today, leadDays: leadDays) }
            .filter { row in expiringWithin.map { row.daysLeft <= $0 } ?? true }
            .sorted { ($0.daysLeft, $0.number) < ($1.daysLeft, $1.number) }
    }

    /// Policies within `scope` as of `today`, with the registered devices each covers today.
    public func policyRows(scope: Role, today: Day, leadDays: Int, expiringWithin: Int? = nil) throws -> [PolicyRow] {
        let list = try policies(scope: scope)
        var covered: [String: Int] = [:]
        if !list.isEmpty {
            try forEachRegisteredDevice { _, d in
                for p in list where p.covers(device: d.id, type: d.type, owner: d.owner, on: today) { covered[p.number, default: 0] += 1 }
            }
        }
        return list.map { PolicyRow($0, today: today, leadDays: leadDays, devicesCovered: covered[$0.number] ?? 0) }
            .filter { row in expiringWithin.map { row.daysLeft <= $0 } ?? true }
            .sorted { ($0.daysLeft, $0.number) < ($1.daysLeft, $1.number) }
    }

    /// The share of devices of `types` insured on `today`, per district and per owner, within
    /// `scope` (the statistics' `insurance_coverage`).
    public func insuranceCoverage(types: Set<String>, today: Day, scope: Role) throws -> [CoverageItem] {
        let all = try policies(scope: .supervisor)
        let r = try registry()
        let district = Dictionary(r.sites.map { ($0.id, $0.district ?? "-") }, uniquingKeysWith: { a, _ in a })
        var counts: [String: (devices: Int, insured: Int)] = [:]
        try forEachRegisteredDevice { _, d in
            guard types.contains(d.type) else { return }
            switch scope {
            case .supervisor: break
            case .owner(let id): guard d.owner == id else { return }
            case .firm(let id): guard d.firm == id else { return }
            }
            let insured = all.contains { $0.covers(device: d.id, type: d.type, owner: d.owner, on: today) } ? 1 : 0
            for key in ["district\u{1f}\(district[d.site] ?? "-")\u{1f}\(d.type)", "owner\u{1f}\(d.owner)\u{1f}\(d.type)"] {
                counts[key, default: (0, 0)].devices += 1
                counts[key, default: (0, 0)].insured += insured
            }
        }
        return counts.map { key, v in
            let parts = key.split(separator: "\u{1f}", omittingEmptySubsequences: false).map(String.init)
            return CoverageItem(dimension: parts[0], key: parts[1], type: parts[2], devices: v.devices, insured: v.insured)
        }.sorted { ($0.dimension, $0.key, $0.type) < ($1.dimension, $1.key, $1.type) }
    }
}

/// Reminders before a worker's certificate or an insurance policy ends: to the holder's employer
/// (`notices/{firm}` or `owner-notices/{owner}`) and to the insured owner, once per certificate
/// or policy and end date.
public enum PeopleReminders {
    /// The reminders due on `today` (before the store drops those already sent).
    public static func due(certificates: [Certificate], policies: [InsurancePolicy], today: Day, policy: PlanPolicy, topics: Topics,
                           now: Int64) -> [(key: String, message: OutboxMessage)] {
        var out: [(key: String, message: OutboxMessage)] = []
        for c in certificates {
            let left = today.days(to: c.validUntil)
            guard left >= 0, left <= policy.certificateReminderDays else { continue }
            var w = JSONWriter()
            w.add("kind", .string("certificate_expiring"))
            w.add("certificate", .string(c.number))
            w.add("holder", .string(c.holder))
            w.add("item", .string(c.item.rawValue))
            w.add("valid_until", .string(c.validUntil.description))
            w.add("days_left", Int64(left))
            w.add("employer", .string(c.employer.description))
            w.add("reason", .string("certificate \(c.number) (\(c.item.rawValue) \(c.item.english)) of \(c.holder) ends \(c.validUntil): apply for its review"))
            w.add("reason_zh", .string("\(c.holder) 的作业人员证 \(c.number)（\(c.item.rawValue) \(c.item.chinese)）将于 \(c.validUntil) 到期，请申请复审"))
            w.add("created_at", .string(Timestamp.format(now)))
            let topic: String
            switch c.employer {
            case .firm(let id): topic = topics.notices(firm: id)
            case .owner(let id): topic = topics.ownerNotices(owner: id)
            case .supervisor: continue
            }
            out.append((key: "certificate:\(c.number):\(c.validUntil)", message: OutboxMessage(topic: topic, payload: w.finish())))
        }
        for p in policies {
            let left = today.days(to: p.validTo)
            guard today >= p.validFrom, left >= 0, left <= policy.insuranceReminderDays else { continue }
            // A later policy that continues the cover makes the reminder moot.
            let renewed = policies.contains { q in
                q.number != p.number && q.owner == p.owner && q.device == p.device && Set(q.types) == Set(p.types)
                    && q.validFrom <= p.validTo.adding(days: 1) && q.validTo > p.validTo
            }
            guard !renewed else { continue }
            var w = JSONWriter()
            w.add("kind", .string("insurance_expiring"))
            w.add("policy", .string(p.number))
            w.add("insurer", .string(p.insurer))
            w.add("owner", .string(p.owner))
            if let d = p.device { w.add("device", .string(d)) }
            w.add("valid_to", .string(p.validTo.description))
            w.add("days_left", Int64(left))
            w.add("reason", .string("liability insurance policy \(p.number) (\(p.insurer)) ends \(p.validTo); devices it covers lose on-demand maintenance without a renewal"))
            w.add("reason_zh", .string("安全责任保险 \(p.number)（\(p.insurer)）将于 \(p.validTo) 到期；未续保的设备将不再符合按需维保条件"))
            w.add("created_at", .string(Timestamp.format(now)))
            out.append((key: "policy:\(p.number):\(p.validTo)", message: OutboxMessage(topic: topics.ownerNotices(owner: p.owner), payload: w.finish())))
        }
        return out
    }

    /// Sends the reminders due at `now` that were not sent before; returns how many.
    @discardableResult
    public static func send(_ store: any Store, now: Int64, policy: PlanPolicy, topics: Topics) throws -> Int {
        let today = store.localDays.day(now)
        let due = due(certificates: try store.certificates(scope: .supervisor), policies: try store.policies(scope: .supervisor),
                      today: today, policy: policy, topics: topics, now: now)
        guard !due.isEmpty else { return 0 }
        let sent = try store.sentReminders(due.map(\.key))
        return try store.recordReminders(due.filter { !sent.contains($0.key) }, at: now)
    }
}
