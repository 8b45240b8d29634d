import Domain
import DeviceCatalog
import Foundation
import Ingest


/// Everything the model reads about one device at one moment, gathered by the caller from the
/// registry and the store.
public struct RiskInputs: Sendable {
    /// The device's type (its use, `exposure.by_type`).
    public var type: String
    /// The type's `consequence` factors from `Devices/types` (base, people_factor, ...).
    public var consequence: [String: Double]
    public var siteCategory: String?
    public var peopleExposed: Int?
    public var attributes: [String: Scalar]
    public var commissioned: Day
    public var inspectionGrade: Int?
    /// Overdue statutory inspections, described (kind and due date).
    public var overdueInspections: [String] = []
    /// Days since the earliest overdue inspection fell due (0 when none is overdue).
    public var inspectionOverdueDays = 0
    /// Inspections whose latest result is a failure, described (kind and date).
    public var failedInspections: [String] = []
    /// Major hazards not cleared by maintenance, described (rule and day).
    public var hazards: [String] = []
    public var alarms: [AlarmHistoryEntry] = []
    /// Open `maintenance_overdue` notices.
    public var maintenanceOverdue = 0
    /// Monitoring gaps (silences beyond the type's limit) within the model's gap window.
    public var monitoringGaps = 0
    /// Routine records (SAMR Order 74) its owner missed within the model's routine window.
    public var routineMissed = 0

    public init(type: String, consequence: [String: Double], siteCategory: String?, peopleExposed: Int?, attributes: [String: Scalar],
                commissioned: Day, inspectionGrade: Int?) {
        (self.type, self.consequence, self.siteCategory, self.peopleExposed) = (type, consequence, siteCategory, peopleExposed)
        (self.attributes, self.commissioned, self.inspectionGrade) = (attributes, commissioned, inspectionGrade)
    }
}

/// One line of a grade's explanation: which part of D it belongs to, the input, its value.
public struct RiskFactor: Sendable, Codable, Equatable {
    /// Which part of D = L × E × C a factor belongs to; the raw value is the letter shown.
    public enum Part: String, Sendable, Codable { case likelihood = "L", exposure = "E", consequence = "C" }

    public let part: Part
    public let name: String
    public let input: String
    public let value: Double
}

/// A computed grade with everything needed to explain it (SAMR Order 74: which factors, which
/// values, which model version).
public struct RiskGrade: Sendable, Equatable {
    public let grade: Grade
    /// The LEC band D fell in (`extreme`, `high`, `significant`, `moderate`, `acceptable`).
    public let band: String
    public let score: Double
    public let likelihood: Double
    public let exposure: Double
    public let consequence: Double
    public let factors: [RiskFactor]
    public let model: String

    public var factorsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding an array of plain structs of strings and doubles cannot fail.
        do { return String(decoding: try encoder.encode(factors), as: UTF8.self) } catch { preconditionFailure("\(error)") }
    }
}

extension RiskModel {
    /// Grades one device at `now`: each input picks a row of its table, on the LEC scales.
    public func grade(_ i: RiskInputs, now: Int64) -> RiskGrade {
        var factors: [RiskFactor] = []
        func add(_ part: RiskFactor.Part, _ name: String, _ input: String, _ value: Double) -> Double {
            factors.append(RiskFactor(part: part, name: name, input: input, value: (value * 1000).rounded() / 1000))
            return value
        }
        let likelihood = self.likelihood(i, now: now, add: add)

        let e = spec.exposure
        let category = i.siteCategory ?? "unknown"
        let (use, source): (String, String) = if let u = e.by_type[i.type] { (u, "exposure.by_type.\(i.type)") }
            else if let u = e.by_location[category] { (u, "exposure.by_location.\(category)") }
            else { (e.unknown, "exposure.unknown (\(category) not listed)") }
        let exposure = add(.exposure, "use", "\(i.type) at a \(category) site, in use \(use) (\(source))", e.use[use] ?? spec.scales.E.last ?? 1)

        let consequence = self.consequence(i, add: add)
        let score = likelihood * exposure * consequence
        let band = spec.bands.first { score >= $0.at_least } ?? spec.bands[spec.bands.count - 1]
        return RiskGrade(grade: band.grade, band: band.band, score: (score * 100).rounded() / 100, likelihood: likelihood,
                         exposure: exposure, consequence: consequence, factors: factors, model: version)
    }

    /// L: the highest finding, raised one step up the scale for each further finding of at least
    /// `compound_from`.
    private func likelihood(_ i: RiskInputs, now: Int64, add: (RiskFactor.Part, String, String, Double) -> Double) -> Double {
        let l = spec.likelihood
        var findings = [add(.likelihood, "base", "likelihood.base: nothing against the device", l.base)]

        var points = 0.0
        var bySeverity: [String: Int] = [:]
        var incidents = 0
        for a in i.alarms where a.firedAt <= now && now - a.firedAt < alarmWindowMs {
            let decay = pow(0.5, Double(now - a.firedAt) / Double(halfLifeMs))
            points += (l.alarms.weights[a.severity] ?? 0) * decay
            if a.incident { points += l.alarms.incident * decay; incidents += 1 }
            bySeverity[a.severity, default: 0] += 1
        }
        let window = Interval(milliseconds: alarmWindowMs)
        if bySeverity.isEmpty {
            findings.append(add(.likelihood, "alarm_history", "no alarms in \(window)", 0))
        } else {
            let counted = bySeverity.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let row = l.alarms.points.row(for: points)
            findings.append(add(.likelihood, "alarm_history",
                                "\(counted); \(incidents) incident(s) in \(window), half-life \(Interval(milliseconds: halfLifeMs)): "
                                    + "\(String(format: "%.2f", points)) points, row \(row?.label ?? "none") of likelihood.alarms.points", row?.value ?? 0))
        }

        if let life = i.attributes["design_life_years"]?.number, life > 0 {
            let years = Double(i.commissioned.days(to: Day(epochMillis: now))) / 365.25
            let fraction = years / life
            let row = l.age.row(for: fraction)
            findings.append(add(.likelihood, "age", String(format: "%.1f of %g years of design life (%.2f)", years, life, fraction)
                                    + ": " + (row.map { "row \($0.label) of likelihood.age" } ?? "within its design life"), row?.value ?? 0))
        } else {
            findings.append(add(.likelihood, "age", "no design life recorded", 0))
        }
        if i.overdueInspections.isEmpty {
            findings.append(add(.likelihood, "inspection_overdue", "none", 0))
        } else {
            let row = l.inspection_overdue.row(for: Double(i.inspectionOverdueDays))
            findings.append(add(.likelihood, "inspection_overdue", i.overdueInspections.joined(separator: "; ")
                                    + ": \(i.inspectionOverdueDays) d overdue, row \(row?.label ?? "none") of likelihood.inspection_overdue", row?.value ?? 0))
        }
        findings.append(add(.likelihood, "inspection_failed", i.failedInspections.isEmpty ? "none" : i.failedInspections.joined(separator: "; "),
                            i.failedInspections.isEmpty ? 0 : l.inspection_failed))
        findings.append(add(.likelihood, "major_hazard", i.hazards.isEmpty ? "none" : i.hazards.joined(separator: "; "),
                            i.hazards.isEmpty ? 0 : l.major_hazard))
        findings.append(add(.likelihood, "maintenance_overdue", i.maintenanceOverdue == 0 ? "none" : "\(i.maintenanceOverdue) open overdue notice(s)",
                            i.maintenanceOverdue == 0 ? 0 : l.maintenance_overdue))
        let gradeL = i.inspectionGrade.flatMap { $0 >= 1 && $0 <= l.inspection_grade.count ? l.inspection_grade[$0 - 1] : nil } ?? 0
        findings.append(add(.likelihood, "inspection_grade",
                            i.inspectionGrade.map { "safety grade \($0): likelihood.inspection_grade[\($0)]" } ?? "not graded", gradeL))
        let gapRow = l.monitoring_gaps.gaps.row(for: Double(i.monitoringGaps))
        findings.append(add(.likelihood, "monitoring_gaps", "\(i.monitoringGaps) gap(s) in \(Interval(milliseconds: gapWindowMs))"
                                + (gapRow.map { ": row \($0.label) of likelihood.monitoring_gaps.gaps" } ?? ""), gapRow?.value ?? 0))
        if let r = l.routine_missed {
            let row = r.missed.row(for: Double(i.routineMissed))
            findings.append(add(.likelihood, "routine_missed", "the owner missed \(i.routineMissed) routine record(s) in \(r.window)"
                                    + (row.map { ": row \($0.label) of likelihood.routine_missed.missed" } ?? ""), row?.value ?? 0))
        }

        let scale = spec.scales.L
        let highest = findings.max() ?? l.base
        let counted = findings.dropFirst().filter { $0 >= l.compound_from }.count
        guard counted > 1, let at = scale.firstIndex(where: { $0 <= highest }) else { return highest }
        let raised = scale[max(0, at - (counted - 1))]
        return add(.likelihood, "compound", "\(counted) findings of at least \(formatNumber(l.compound_from)): "
                       + "\(formatNumber(highest)) raised \(counted - 1) step(s) up the L scale", raised)
    }

    /// C: the type's base on the C scale, raised a step for each aggravating input.
    private func consequence(_ i: RiskInputs, add: (RiskFactor.Part, String, String, Double) -> Double) -> Double {
        let scale = spec.scales.C
        let c = spec.consequence
        let base = i.consequence["base"] ?? scale[scale.count - 1]
        // A base off the scale counts as the next value up (the breakdown says so).
        var at = scale.lastIndex { $0 >= base } ?? 0
        _ = add(.consequence, "type_base", scale[at] == base ? "the type's consequence.base" : "the type's base \(formatNumber(base)), taken as \(formatNumber(scale[at]))", scale[at])
        func step(_ name: String, _ input: String, _ steps: Int) {
            at = max(0, at - steps)
            _ = add(.consequence, name, "\(input): \(steps) step(s) up the C scale", scale[at])
        }
        let category = i.siteCategory ?? "unknown"
        // The law's priority places are there for the crowds they gather: the place or the
        // crowd raises C, whichever by more, not both.
        let placeSteps = c.location_steps[category] ?? 0
        let peopleFactor = i.consequence["people_factor"] ?? 1
        if let people = i.peopleExposed {
            let near = Double(people) * peopleFactor
            let row = c.people.row(for: near)
            let crowdSteps = Int(row?.value ?? 0)
            let share = peopleFactor == 1 ? "" : " × \(formatNumber(peopleFactor)) (the type's share) = \(formatNumber(near.rounded()))"
            step("location", "\(category) (\(placeSteps) step(s)); \(people) people at the site\(share), row \(row?.label ?? "none") of "
                 + "consequence.people (\(crowdSteps) step(s)): the larger", max(placeSteps, crowdSteps))
        } else {
            step("location", "\(category); people at the site not recorded", placeSteps)
        }
        if let factor = i.consequence["medium_factor"], factor > 0 {
            let medium = c.medium.attributes.lazy.compactMap { i.attributes[$0]?.string }.first
            step("medium", medium ?? "not recorded", medium.flatMap { c.medium.steps[$0] } ?? 0)
        }
        if let factor = i.consequence["pressure_volume_factor"], factor > 0,
           let p = i.attributes[c.pressure_volume.pressure]?.number, let v = i.attributes[c.pressure_volume.volume]?.number {
            let row = c.pressure_volume.steps.row(for: p * v)
            step("pressure_volume", "\(formatNumber(p)) MPa × \(formatNumber(v)) m³ = \(formatNumber(p * v)), row \(row?.label ?? "none")",
                 Int(row?.value ?? 0))
        }
        return scale[at]
    }
}
