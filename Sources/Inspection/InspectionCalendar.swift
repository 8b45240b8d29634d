import Domain
import DeviceCatalog

/// When one statutory inspection of a device falls due, and why (SPEC §12, DOMAIN.md).
public struct InspectionDue: Sendable, Hashable {
    public let kind: String
    /// The last recorded inspection of this kind, if any.
    public let last: Day?
    /// The day by which the next inspection must have taken place.
    public let due: Day
    /// The type's policy says the device must not be used at all (pressure vessel safety grade 5).
    public let mustNotUse: Bool
    /// How the due date was derived, in words, for explanations (risk breakdowns, notices).
    public let basis: String
    /// Another kind's inspection falls due first and counts as this one (`covered_by`): this
    /// kind is not separately due, planned, reminded of or overdue.
    public let coveredBy: String?

    public init(kind: String, last: Day?, due: Day, mustNotUse: Bool, basis: String, coveredBy: String? = nil) {
        (self.kind, self.last, self.due, self.mustNotUse, self.basis) = (kind, last, due, mustNotUse, basis)
        self.coveredBy = coveredBy
    }

    /// True when the device may no longer be used on this inspection's account on `today`.
    public func isOverdue(on today: Day) -> Bool { coveredBy == nil && (mustNotUse || due < today) }
}

/// Derives due dates from a type's inspection policies, a device's commissioning date, its last
/// inspections and its safety grade. Pure: the inspection scheduler, on-demand eligibility
/// ("valid inspection") and risk grading ("overdue inspection") all read it.
public enum InspectionCalendar {
    /// The next due date of each inspection kind from the commissioning date and the last
    /// inspections, with what covers what (`covered_by`).
    public static func dueDates(policies: [InspectionPolicy], commissioned: Day, lastInspections: [String: Day],
                                grade: Int?, attributes: [String: Scalar], gradeSince: Day? = nil) -> [InspectionDue] {
        policies.map { p in
            if let scheduled = p.in_years_without, let schedule = policies.first(where: { $0.kind == scheduled }) {
                return otherYears(p, schedule: schedule, commissioned: commissioned, lastInspections: lastInspections)
            }
            let own = due(p, commissioned: commissioned, lastInspections: lastInspections, grade: grade, attributes: attributes,
                          gradeSince: gradeSince)
            guard let covering = p.covered_by, !covering.isEmpty else { return own }
            // The interval runs from the latest inspection of this kind or of any kind covering it.
            let latest = ([p.kind] + covering).compactMap { k in lastInspections[k].map { (k, $0) } }.max { $0.1 < $1.1 }
            var merged = lastInspections
            if let latest { merged[p.kind] = latest.1 }
            var mine = due(p, commissioned: commissioned, lastInspections: merged, grade: grade, attributes: attributes, gradeSince: gradeSince)
            if let latest, latest.0 != p.kind {
                mine = InspectionDue(kind: p.kind, last: lastInspections[p.kind], due: mine.due, mustNotUse: mine.mustNotUse,
                                     basis: mine.basis + " (counted from the \(latest.0) inspection)")
            }
            // A covering kind that falls due no later than this one is this year's check.
            for k in covering {
                guard let cp = policies.first(where: { $0.kind == k }) else { continue }
                let theirs = due(cp, commissioned: commissioned, lastInspections: lastInspections, grade: grade, attributes: attributes,
                                 gradeSince: gradeSince)
                if theirs.due <= mine.due {
                    return InspectionDue(kind: p.kind, last: lastInspections[p.kind], due: theirs.due, mustNotUse: false,
                                         basis: "covered by the \(k) inspection due \(theirs.due)", coveredBy: k)
                }
            }
            return mine
        }
    }

    /// The service year `day` falls in: year N runs from the (N-1)th anniversary of commissioning
    /// (exclusive) to the Nth (inclusive), so an inspection on its anniversary counts for the year
    /// it ends. Year 1 holds every day up to the first anniversary.
    public static func serviceYear(of day: Day, commissioned: Day) -> Int {
        // The anniversary in the day's own calendar year ends year `n`; if it is already past,
        // the day belongs to the year after.
        let n = max(1, day.year - commissioned.year)
        return commissioned.adding(years: n) < day ? n + 1 : n
    }

    /// The service year an inspection on `day` counts for: the year it falls in when it is at
    /// most `earlyMonths` before that year's anniversary, else (done earlier in the year, so late
    /// for the year before) the year before. Without `earlyMonths`, the year it falls in.
    public static func countedYear(of day: Day, commissioned: Day, earlyMonths: Int?) -> Int {
        guard let early = earlyMonths, early > 0 else { return serviceYear(of: day, commissioned: commissioned) }
        // The latest year whose anniversary is no later than `early` months after the day.
        return serviceYear(of: day.adding(months: early).adding(days: 1), commissioned: commissioned) - 1
    }

    /// Whether service year `year` is one of `schedule`'s (`in_service_years`, then every
    /// `then_every_years` after the last listed one).
    public static func isScheduled(_ year: Int, _ schedule: InspectionPolicy) -> Bool {
        guard let years = schedule.in_service_years, let last = years.last else { return false }
        if years.contains(year) { return true }
        guard year > last, let every = schedule.then_every_years, every > 0 else { return false }
        return (year - last) % every == 0
    }

    /// A kind owed in each service year without an inspection of `schedule`'s kind (an
    /// elevator's self-test, TSG T7008-2023, in the years without a periodic inspection, TSG
    /// T7001-2023), due by that year's anniversary. Either kind done in a year is that year's
    /// check, so the next owed year is the first unscheduled one after the latest of them; once
    /// every year is scheduled (periodic inspection yearly after year 15), none is owed and the
    /// kind is covered by the schedule's kind.
    static func otherYears(_ p: InspectionPolicy, schedule: InspectionPolicy, commissioned: Day,
                           lastInspections: [String: Day]) -> InspectionDue {
        let own = lastInspections[p.kind]
        let latest = [own, lastInspections[schedule.kind]].compactMap { $0 }.max()
        let done = max(own.map { countedYear(of: $0, commissioned: commissioned, earlyMonths: p.early_months) } ?? 0,
                       lastInspections[schedule.kind].map { countedYear(of: $0, commissioned: commissioned, earlyMonths: schedule.early_months) } ?? 0)
        let horizon = max(done, schedule.in_service_years?.last ?? 0) + max(schedule.then_every_years ?? 1, 1) + 1
        if let year = (done + 1...horizon).first(where: { !isScheduled($0, schedule) }) {
            let counted = latest.map { " (last check \($0), counted for service year \(done))" } ?? ""
            return InspectionDue(kind: p.kind, last: own, due: commissioned.adding(years: year),
                                 mustNotUse: false, basis: "service year \(year), a year without a \(schedule.kind) inspection\(counted)")
        }
        let theirs = due(schedule, commissioned: commissioned, lastInspections: lastInspections, grade: nil, attributes: [:], gradeSince: nil)
        return InspectionDue(kind: p.kind, last: own, due: theirs.due, mustNotUse: false,
                             basis: "none owed: the \(schedule.kind) inspection is every year from service year \(done + 1) (due \(theirs.due))",
                             coveredBy: schedule.kind)
    }

    /// A registered device's due dates under its type's policies (its recorded inspections
    /// included: the store merges them into the record).
    public static func dueDates(of device: DeviceRecord, type: DeviceType) -> [InspectionDue] {
        dueDates(policies: type.inspections, commissioned: device.commissioned, lastInspections: device.lastInspections,
                 grade: device.inspectionGrade, attributes: device.attributes, gradeSince: device.gradeSince)
    }

    /// The inspections that are overdue (or forbid use) on `today`; covered kinds never are.
    public static func overdue(_ dues: [InspectionDue], on today: Day) -> [InspectionDue] {
        dues.filter { $0.isOverdue(on: today) }
    }

    static func due(_ p: InspectionPolicy, commissioned: Day, lastInspections: [String: Day], grade: Int?,
                    attributes: [String: Scalar], gradeSince: Day?) -> InspectionDue {
        let last = lastInspections[p.kind]
        func result(_ due: Day, _ basis: String, mustNotUse: Bool = false) -> InspectionDue {
            InspectionDue(kind: p.kind, last: last, due: due, mustNotUse: mustNotUse, basis: basis)
        }
        // Elevators (TSG T7001-2023): in listed years of service, then every N years.
        if let years = p.in_service_years, !years.isEmpty {
            guard let last else {
                return result(commissioned.adding(years: years[0]), "first inspection in service year \(years[0])")
            }
            // The service year the last inspection fell in (year 1 is the first year after commissioning).
            let counted = countedYear(of: last, commissioned: commissioned, earlyMonths: p.early_months)
            if let next = years.first(where: { $0 > counted }) {
                return result(commissioned.adding(years: next), "service year \(next) (last inspection \(last), counted for year \(counted))")
            }
            // Dated from commissioning, not from the last inspection (TSG T7001-2023: the month
            // of the supervision inspection is the basis; an inspection done early does not move
            // the next one forward): the anniversary ending the next scheduled year.
            let every = max(p.then_every_years ?? 1, 1)
            let next = max(counted, years.last!) + every
            return result(commissioned.adding(years: next),
                          "service year \(next): every \(every) year(s) after service year \(years.last!) (last inspection \(last), counted for year \(counted))")
        }
        // Pressure vessels (TSG 21-2016): first within N years, then by safety grade.
        if let byGrade = p.by_grade {
            guard let last else {
                let first = p.first_within_years ?? 1
                return result(commissioned.adding(years: first), "first inspection within \(first) year(s) of service")
            }
            guard let grade, (1...byGrade.count).contains(grade) else {
                let every = p.first_within_years ?? byGrade.filter { $0 > 0 }.min() ?? 1
                return result(last.adding(years: every), "no safety grade recorded: every \(every) year(s) (last \(last))")
            }
            let years = byGrade[grade - 1]
            if years == 0 { return result(last, "safety grade \(grade): must not be used", mustNotUse: true) }
            // A grade allowed for a limited time in all (grade 4: monitored use, at most 3 years,
            // TSG 21-2016): counted from its first day, not restarted by each re-grading.
            if let limited = p.limited_grade, grade >= limited.grade {
                let since = min(gradeSince ?? last, last)
                let end = since.adding(years: limited.max_years)
                if last >= end {
                    return result(last, "safety grade \(grade) since \(since): monitored use ended \(end) (at most \(limited.max_years) years in all); must not be used until graded \(limited.grade - 1) or better", mustNotUse: true)
                }
                let next = min(last.adding(years: years), end)
                let limit = next == end ? ", the end of monitored use (at most \(limited.max_years) years in all since \(since))" : ""
                return result(next, "safety grade \(grade): every \(years) year(s) (last \(last))\(limit)")
            }
            return result(last.adding(years: years), "safety grade \(grade): every \(years) year(s) (last \(last))")
        }
        // Gas cylinders: an interval sequence chosen by an attribute, the last interval repeating.
        if let by = p.by_attribute {
            let value = attributes[by.attribute]?.string ?? ""
            let sequence = by.years[value] ?? []
            guard let first = sequence.first else {
                return result(commissioned, "no interval for \(by.attribute) = \(value)", mustNotUse: true)
            }
            guard let last else { return result(commissioned.adding(years: first), "first inspection \(first) year(s) after commissioning") }
            // Which interval comes next: count the period boundaries that lie before the last inspection.
            var boundary = commissioned
            var index = 0
            while index < 100 {
                boundary = boundary.adding(years: sequence[min(index, sequence.count - 1)])
                if boundary >= last { break }
                index += 1
            }
            let next = sequence[min(index + 1, sequence.count - 1)]
            return result(last.adding(years: next), "\(by.attribute) \(value): interval \(next) year(s) (last \(last))")
        }
        // A plain yearly-style interval; a kind the registry never recorded counts from the
        // latest inspection of any kind (a safety valve is checked when the vessel is inspected).
        let every = p.every_years ?? 1
        if let last { return result(last.adding(years: every), "every \(every) year(s) (last \(last))") }
        if let first = p.first_within_years {
            return result(commissioned.adding(years: first), "first within \(first) year(s) of service")
        }
        if let (kind, latest) = lastInspections.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            return result(latest.adding(years: every), "every \(every) year(s); none recorded, counted from the \(kind) inspection of \(latest)")
        }
        return result(commissioned.adding(years: every), "every \(every) year(s) from commissioning (none recorded)")
    }
}
