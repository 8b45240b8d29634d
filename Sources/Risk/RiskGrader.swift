import Domain
import DeviceCatalog
import Foundation
import Ingest


/// Everything the model reads about one device at one moment, gathered by the caller from the
/// registry and the store.
public struct RiskInputs: Sendable {
    /// The type's `consequence` factors from `Devices/types` (base, people_factor, ...).
    public var consequence: [String: Double]
    public var siteCategory: String?
    public var peopleExposed: Int?
    public var attributes: [String: Scalar]
    public var commissioned: Day
    public var inspectionGrade: Int?
    /// Overdue statutory inspections, described (kind and due date).
    public var overdueInspections: [String] = []
    public var alarms: [AlarmHistoryEntry] = []
    /// Open `maintenance_overdue` notices.
    public var maintenanceOverdue = 0
    /// Monitoring gaps (silences beyond the type's limit) within the model's gap window.
    public var monitoringGaps = 0

    public init(consequence: [String: Double], siteCategory: String?, peopleExposed: Int?, attributes: [String: Scalar],
                commissioned: Day, inspectionGrade: Int?) {
        self.consequence = consequence
        self.siteCategory = siteCategory
        self.peopleExposed = peopleExposed
        self.attributes = attributes
        self.commissioned = commissioned
        self.inspectionGrade = inspectionGrade
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
    /// Grades one device at `now`.
    public func grade(_ i: RiskInputs, now: Int64) -> RiskGrade {
        var factors: [RiskFactor] = []
        func add(_ part: RiskFactor.Part, _ name: String, _ input: String, _ value: Double) -> Double {
            factors.append(RiskFactor(part: part, name: name, input: input, value: (value * 1000).rounded() / 1000))
            return value
        }
        let l = spec.likelihood
        var likelihood = add(.likelihood, "base", "model base likelihood", l.base)

        var points = 0.0
        var bySeverity: [String: Int] = [:]
        var incidents = 0
        for a in i.alarms where a.firedAt <= now && now - a.firedAt < alarmWindowMs {
            let decay = pow(0.5, Double(now - a.firedAt) / Double(halfLifeMs))
            points += (l.alarms.weights[a.severity] ?? 0) * decay
            if a.incident { points += l.alarms.incident * decay; incidents += 1 }
            bySeverity[a.severity, default: 0] += 1
        }
        let counted = bySeverity.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        likelihood += add(.likelihood, "alarm_history", counted.isEmpty ? "no alarms in \(Interval(milliseconds: alarmWindowMs))"
                          : "\(counted); \(incidents) incident(s) in \(Interval(milliseconds: alarmWindowMs)), half-life \(Interval(milliseconds: halfLifeMs))", points)

        if let life = i.attributes["design_life_years"]?.number, life > 0 {
            let years = Double(i.commissioned.days(to: Day(epochMillis: now))) / 365.25
            let fraction = years / life
            likelihood += add(.likelihood, "age", String(format: "%.1f of %g years of design life (%.2f)", years, life, fraction), l.age.value(for: fraction) ?? 0)
        } else {
            likelihood += add(.likelihood, "age", "no design life recorded", 0)
        }
        likelihood += add(.likelihood, "inspection_overdue", i.overdueInspections.isEmpty ? "none" : i.overdueInspections.joined(separator: "; "),
                          i.overdueInspections.isEmpty ? 0 : l.inspection_overdue)
        likelihood += add(.likelihood, "maintenance_overdue", i.maintenanceOverdue == 0 ? "none" : "\(i.maintenanceOverdue) open overdue notice(s)",
                          i.maintenanceOverdue == 0 ? 0 : l.maintenance_overdue)
        let gradeAdd = i.inspectionGrade.flatMap { $0 >= 1 && $0 <= l.inspection_grade.count ? l.inspection_grade[$0 - 1] : nil } ?? 0
        likelihood += add(.likelihood, "inspection_grade", i.inspectionGrade.map { "safety grade \($0)" } ?? "not graded", gradeAdd)
        likelihood += add(.likelihood, "monitoring_gaps", "\(i.monitoringGaps) gap(s) in \(Interval(milliseconds: gapWindowMs))",
                          min(l.monitoring_gaps.max, l.monitoring_gaps.per_gap * Double(i.monitoringGaps)))
        likelihood = min(l.max, likelihood)

        let e = spec.exposure
        let peopleFactor = i.consequence["people_factor"] ?? 1
        let people = i.peopleExposed.map { e.people.value(for: Double($0)) ?? e.min } ?? e.unknown
        _ = add(.exposure, "people_exposed", i.peopleExposed.map { "\($0) people at the site" } ?? "unknown", people)
        if peopleFactor != 1 { _ = add(.exposure, "people_factor", "type's share of the site's people", peopleFactor) }
        let exposure = max(e.min, people * peopleFactor)

        let c = spec.consequence
        var consequence = add(.consequence, "type_base", "device type", i.consequence["base"] ?? 1)
        let category = i.siteCategory ?? "unknown"
        consequence *= add(.consequence, "location", category, c.location[category] ?? c.location_default)
        if let factor = i.consequence["medium_factor"], factor > 0 {
            let medium = c.medium.attributes.lazy.compactMap { i.attributes[$0]?.string }.first
            let w = medium.flatMap { c.medium.weights[$0] } ?? 1
            consequence *= add(.consequence, "medium", medium ?? "not recorded", 1 + (w - 1) * factor)
        }
        if let factor = i.consequence["pressure_volume_factor"], factor > 0,
           let p = i.attributes[c.pressure_volume.pressure]?.number, let v = i.attributes[c.pressure_volume.volume]?.number {
            let w = c.pressure_volume.bands.value(for: p * v) ?? 1
            consequence *= add(.consequence, "pressure_volume", "\(formatNumber(p)) MPa × \(formatNumber(v)) m³ = \(formatNumber(p * v))", 1 + (w - 1) * factor)
        }
        consequence = min(c.max, consequence)

        let score = likelihood * exposure * consequence
        let g = spec.grades
        let grade: Grade = score >= g.red ? .red : score >= g.orange ? .orange : score >= g.yellow ? .yellow : .blue
        return RiskGrade(grade: grade, score: (score * 100).rounded() / 100, likelihood: likelihood, exposure: exposure,
                         consequence: consequence, factors: factors, model: version)
    }
}
