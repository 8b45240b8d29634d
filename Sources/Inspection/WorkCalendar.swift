import Domain
import Source

/// Which days inspectors work: Monday to Friday unless a public holiday, plus the weekend days
/// made working days (调休), from `Devices/calendar/*.yaml` (one file per year). Years without a
/// file count weekdays only; the planner says so in its summary, as it does for provisional years.
public struct WorkCalendar: Sendable, Equatable {
    public private(set) var holidays: Set<Day> = []
    public private(set) var workdays: Set<Day> = []
    /// Years with a file, and whether that file is provisional.
    public private(set) var years: [Int: Bool] = [:]

    public init() {}

    func isWorkingDay(_ d: Day) -> Bool {
        if workdays.contains(d) { return true }
        return d.weekday <= 5 && !holidays.contains(d)
    }

    /// Notes on the years of [from, to] that have no calendar file or a provisional one.
    public func caveats(from: Day, to: Day) -> [String] {
        (from.year...to.year).compactMap { y in
            switch years[y] {
            case nil: "no holiday calendar for \(y): weekdays only"
            case true?: "the \(y) calendar is provisional (statutory holidays only, no 调休 yet)"
            case false?: nil
            }
        }
    }

    /// Adds `other`'s holidays and working weekends (a calendar spread over several years' files).
    public mutating func merge(_ other: WorkCalendar) {
        holidays.formUnion(other.holidays)
        workdays.formUnion(other.workdays)
        years.merge(other.years) { a, b in a || b }
    }

    /// Parses one year's file; every problem is reported with its line.
    public static func parse(text: String, file: String) throws(SourceErrors) -> WorkCalendar {
        struct Range: Decodable { let from: String; let to: String; let name: String? }
        struct Workday: Decodable { let date: String; let name: String? }
        struct Raw: Decodable { let year: Int; let provisional: Bool?; let holidays: [Range]?; let workdays: [Workday]? }
        let (source, raw) = try YAMLSource.decode(Raw.self, text: text, file: file)
        var errors: [SourceError] = []
        var c = WorkCalendar()
        c.years[raw.year] = raw.provisional ?? false
        func day(_ text: String, _ path: [YAMLSource.PathElement]) -> Day? {
            guard let d = Day(parsing: text) else { errors.append(source.error(at: path, "'\(text)' is not a date YYYY-MM-DD")); return nil }
            guard d.year == raw.year else { errors.append(source.error(at: path, "\(d) is not in \(raw.year), the file's year")); return nil }
            return d
        }
        for (i, h) in (raw.holidays ?? []).enumerated() {
            let path: [YAMLSource.PathElement] = [.key("holidays"), .index(i)]
            let from = day(h.from, path + [.key("from")]), to = day(h.to, path + [.key("to")])
            guard let from, let to else { continue }
            guard from <= to else { errors.append(source.error(at: path, "holiday '\(h.name ?? "")' ends (\(to)) before it starts (\(from))")); continue }
            var d = from
            while d <= to { c.holidays.insert(d); d = d.adding(days: 1) }
        }
        for (i, w) in (raw.workdays ?? []).enumerated() {
            let path: [YAMLSource.PathElement] = [.key("workdays"), .index(i), .key("date")]
            guard let d = day(w.date, path) else { continue }
            if d.weekday <= 5 { errors.append(source.error(at: path, "\(d) is a weekday; `workdays` lists weekend days made working days (调休)")) }
            if c.holidays.contains(d) { errors.append(source.error(at: path, "\(d) is also listed as a holiday")) }
            c.workdays.insert(d)
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return c
    }
}

/// How due inspections become a plan (`Devices/inspection_plan.yaml`).
public struct PlanPolicy: Sendable, Equatable {
    /// How many days before its due date an inspection may be planned.
    var planAheadDays = 30
    /// Risk grade → the inspection is planned within this many days of the plan's start.
    public var forwardWithinDays: [Grade: Int] = [.red: 30, .orange: 60]
    /// An `inspection_due` notice goes to the firm and the owner this many days before an
    /// inspection's due date (owners must apply at least a month ahead).
    public var reminderLeadDays = 30
    /// How often the running pipeline checks due dates and must-not-use status (recorded
    /// inspections are noticed at the next check).
    public var checkEveryMs: Int64 = 60_000
    /// A worker's certificate is valid this many years from its issue or review (TSG Z6001-2019).
    public var certificateValidYears = 4
    /// Its holder's employer is reminded this many days before it expires (the review is applied
    /// for 3 months ahead: 特种设备作业人员监督管理办法 art. 22).
    public var certificateReminderDays = 90
    /// An insured owner is reminded this many days before a policy ends.
    public var insuranceReminderDays = 30
    /// The device types whose liability insurance the statistics follow (coverage per district
    /// and owner).
    public var insuredTypes: Set<String> = ["elevator", "escalator", "gas_cylinder"]

    public init() {}

    /// Parses `inspection_plan.yaml`, every problem located.
    public static func parse(text: String, file: String) throws(SourceErrors) -> PlanPolicy {
        struct Raw: Decodable {
            let plan_ahead_days: Int?
            let forward_within_days: [String: Int]?
            let reminder_lead_days: Int?
            let check_every: String?
            let certificates: Certificates?
            let insurance: Insurance?
            struct Certificates: Decodable { let valid_years: Int?; let reminder_lead_days: Int? }
            struct Insurance: Decodable { let reminder_lead_days: Int?; let types: [String]? }
        }
        let (source, raw) = try YAMLSource.decode(Raw.self, text: text, file: file)
        var errors: [SourceError] = []
        var p = PlanPolicy()
        if let days = raw.plan_ahead_days {
            if days < 0 { errors.append(source.error(at: [.key("plan_ahead_days")], "plan_ahead_days must be 0 or more, not \(days)")) }
            p.planAheadDays = days
        }
        if let days = raw.reminder_lead_days {
            if days < 0 { errors.append(source.error(at: [.key("reminder_lead_days")], "reminder_lead_days must be 0 or more, not \(days)")) }
            p.reminderLeadDays = days
        }
        if let text = raw.check_every {
            if let i = Interval(parsing: text), i.milliseconds >= 1000 {
                p.checkEveryMs = i.milliseconds
            } else {
                errors.append(source.error(at: [.key("check_every")], "check_every must be a duration of at least 1s, such as 1m, not '\(text)'"))
            }
        }
        func count(_ value: Int?, _ path: [YAMLSource.PathElement], least: Int, into target: inout Int) {
            guard let value else { return }
            if value < least { errors.append(source.error(at: path, "must be \(least) or more, not \(value)")) }
            target = value
        }
        count(raw.certificates?.valid_years, [.key("certificates"), .key("valid_years")], least: 1, into: &p.certificateValidYears)
        count(raw.certificates?.reminder_lead_days, [.key("certificates"), .key("reminder_lead_days")], least: 0, into: &p.certificateReminderDays)
        count(raw.insurance?.reminder_lead_days, [.key("insurance"), .key("reminder_lead_days")], least: 0, into: &p.insuranceReminderDays)
        if let types = raw.insurance?.types { p.insuredTypes = Set(types) }
        if let forward = raw.forward_within_days {
            p.forwardWithinDays = [:]
            for (name, days) in forward.sorted(by: { $0.key < $1.key }) {
                guard let grade = Grade(rawValue: name) else {
                    errors.append(source.error(at: [.key("forward_within_days"), .key(name)],
                                               "'\(name)' is not a risk grade (\(Grade.allCases.map(\.rawValue).joined(separator: ", ")))"))
                    continue
                }
                if days < 0 { errors.append(source.error(at: [.key("forward_within_days"), .key(name)], "days must be 0 or more, not \(days)")) }
                p.forwardWithinDays[grade] = days
            }
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return p
    }
}
