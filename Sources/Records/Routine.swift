import Domain

/// A person an owner named (`equipwatch routine staff`, `GET /v1/routine/staff`).
public struct StaffRow: ResponseRow, Decodable, Equatable {
    /// The owner's (使用单位) id.
    public var owner: String
    public var role: StaffRole
    public var name: String
    /// Their certificate number (A 特种设备安全管理), if given.
    public var certificate: String?
    /// The day the owner's routine is counted from (its staff were first named).
    public var since: String

    public init(owner: String, role: StaffRole, name: String, certificate: String?, since: String) {
        (self.owner, self.role, self.name, self.certificate, self.since) = (owner, role, name, certificate, since)
    }

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case owner, role, name, certificate, since
    }
}

/// A routine record to store: who held which check for which period, and what came of it.
public struct RoutineDraft: Sendable {
    public var owner: String
    public var kind: RoutineKind
    public var period: String
    /// The device or the site checked (a daily check names one or the other, or neither for the
    /// owner's whole fleet).
    public var device: String?
    public var site: String?
    /// The named staff member who held it.
    public var by: String
    /// What was found (daily, weekly) or decided (monthly).
    public var findings: String
    /// Hazards found (daily, weekly) or carried over to the next month (monthly).
    public var hazards: Int
    public var recordedBy: String
    public var recordedAt: Int64

    public init(owner: String, kind: RoutineKind, period: String, device: String?, site: String?, by: String, findings: String,
                hazards: Int, recordedBy: String, recordedAt: Int64) {
        (self.owner, self.kind, self.period, self.device, self.site, self.by) = (owner, kind, period, device, site, by)
        (self.findings, self.hazards, self.recordedBy, self.recordedAt) = (findings, hazards, recordedBy, recordedAt)
    }
}

/// A routine record as answered (`equipwatch routine`, `GET /v1/routine`).
public struct RoutineRow: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The owner's (使用单位) id.
    public var owner: String
    public var kind: RoutineKind
    /// The day, ISO week or month it covers.
    public var period: String
    public var device: String?
    public var site: String?
    /// The staff member who held it.
    public var by: String
    public var findings: String
    public var hazards: Int
    public var recordedBy: String
    public var recordedAt: Instant

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, owner, kind, period, device, site, by, findings, hazards, recordedBy = "recorded_by", recordedAt = "recorded_at"
    }
}

/// An owner's routine over a period: periods due, recorded and missed, per kind (the
/// statistics' `routine_compliance`).
public struct RoutineComplianceRow: ResponseRow, Equatable {
    /// The owner's (使用单位) id.
    public var owner: String
    /// Which record (null: the owner has named no staff, and one row says so).
    public var kind: RoutineKind?
    /// Periods that ended within the range since the owner's staff were named.
    public var due: Int
    public var recorded: Int
    public var missed: Int
    /// recorded ÷ due (null: nothing due yet, or no staff named).
    public var rate: Double?
    /// The owner has named its principal, safety director and a safety officer.
    public var staffNamed: Bool
    /// The most recent missed period, if any.
    public var lastMissed: String?

    public init(owner: String, kind: RoutineKind?, due: Int, recorded: Int, staffNamed: Bool, lastMissed: String?) {
        (self.owner, self.kind, self.due, self.recorded, self.staffNamed, self.lastMissed) = (owner, kind, due, recorded, staffNamed, lastMissed)
        missed = due - recorded
        rate = due == 0 ? nil : (Double(recorded) / Double(due) * 1000).rounded() / 1000
    }

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case owner, kind, due, recorded, missed, rate, staffNamed = "staff_named", lastMissed = "last_missed"
    }
}

/// What the store keeps of owners' routines: staff and records as rows (which periods are due,
/// and what is missing, is decided above it).
public protocol RoutineStore: Sendable {
    /// Replaces `owner`'s staff; the routine's start (`since`) is kept from the first naming.
    func setStaff(owner: String, staff: [(role: StaffRole, name: String, certificate: String?)], since: Day, by who: String, at: Int64) throws(StoreError)
    /// Staff within `scope` (an owner: its own; a firm: none).
    func staff(scope: Role) throws(StoreError) -> [StaffRow]
    /// Stores a routine record; nil when the device or site is not the owner's.
    func addRoutineRecord(_ draft: RoutineDraft) throws(StoreError) -> Int64?
    /// Records within `scope`, newest first: of one kind and from period keys on, when given.
    func routineRecords(scope: Role, kind: RoutineKind?, fromPeriod: String?, limit: Int) throws(StoreError) -> [RoutineRow]
    /// The distinct (owner, kind, period) recorded within `scope` for periods from `fromDay`
    /// (daily keys from that day, weekly and monthly keys from the period containing it).
    func recordedPeriods(scope: Role, from fromDay: Day) throws(StoreError) -> Set<String>
}

extension RoutineComplianceRow {
    /// The key `recordedPeriods` uses for one period of one owner.
    public static func key(owner: String, kind: RoutineKind, period: String) -> String { "\(owner)\u{1f}\(kind.rawValue)\u{1f}\(period)" }
}
