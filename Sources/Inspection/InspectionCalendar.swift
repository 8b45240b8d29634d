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
        self.kind = kind
        self.last = last
        self.due = due
        self.mustNotUse = mustNotUse
        self.basis = basis
        self.coveredBy = coveredBy
    }

    /// True when the device may no longer be used on this inspection's account on `today`.
    public func isOverdue(on today: Day) -> Bool { coveredBy == nil && (mustNotUse || due < today) }
}

/// Derives due dates from a type's inspection policies, a device's commissioning date, its last
/// inspections and its safety grade. Pure: the inspection scheduler, on-demand eligibility
/// ("valid inspection") and risk grading ("overdue inspection") all read it.
public enum InspectionCalendar {
    public static func dueDates(policies: [InspectionPolicy], commissioned: Day, lastInspections: [String: Day],
                                grade: Int?, attributes: [String: Scalar]) -> [InspectionDue] {
        policies.map { p in
            let own = due(p, commissioned: commissioned, lastInspections: lastInspections, grade: grade, attributes: attributes)
            guard let covering = p.covered_by, !covering.isEmpty else { return own }
            // The interval runs from the latest inspection of this kind or of any kind covering it.
            let latest = ([p.kind] + covering).compactMap { k in lastInspections[k].map { (k, $0) } }.max { $0.1 < $1.1 }
            var merged = lastInspections
            if let latest { merged[p.kind] = latest.1 }
            var mine = due(p, commissioned: commissioned, lastInspections: merged, grade: grade, attributes: attributes)
            if let latest, latest.0 != p.kind {
                mine = InspectionDue(kind: p.kind, last: lastInspections[p.kind], due: mine.due, mustNotUse: mine.mustNotUse,
                                     basis: mine.basis + " (counted from the \(latest.0) inspection)")
            }
            // A covering kind that falls due no later than this one is this year's check.
            for k in covering {
                guard let cp = policies.first(where: { $0.kind == k }) else { continue }
                let theirs = due(cp, commissioned: commissioned, lastInspections: lastInspections, grade: grade, attributes: attributes)
                if theirs.due <= mine.due {
                    return InspectionDue(kind: p.kind, last: lastInspections[p.kind], due: theirs.due, mustNotUse: false,
                                         basis: "covered by the \(k) inspection due \(theirs.due)", coveredBy: k)
                }
            }
            return mine
        }
    }

    /// A registered device's due dates under its type's policies (its recorded inspections
    /// included: the store merges them into the record).
    public static func dueDates(of device: DeviceRecord, type: DeviceType) -> [InspectionDue] {
        dueDates(policies: type.inspections, commissioned: device.commissioned, lastInspections: device.lastInspections,
                 grade: device.inspectionGrade, attributes: device.attributes)
    }

    /// The inspections that are overdue (or forbid use) on `today`; covered kinds never are.
    public static func overdue(_ dues: [InspectionDue], on today: Day) -> [InspectionDue] {
        dues.filter { $0.isOverdue(on: today) }
    }

    static func due(_ p: InspectionPolicy, commissioned: Day, lastInspections: [String: Day], grade: Int?,
                    attributes: [String: Scalar]) -> InspectionDue {
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
            var serviceYear = 1
            while commissioned.adding(years: serviceYear) < last { serviceYear += 1 }
            if let next = years.first(where: { $0 > serviceYear }) {
                return result(commissioned.adding(years: next), "service year \(next) (last inspection \(last) in year \(serviceYear))")
            }
            let every = p.then_every_years ?? 1
            return result(last.adding(years: every), "every \(every) year(s) after service year \(years.last!) (last \(last))")
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
