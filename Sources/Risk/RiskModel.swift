import Domain
import Source
import DeviceCatalog
import Foundation

/// The risk grading model of `Rules/risk.yaml`: LEC, D = L × E × C, each factor a value of its
/// textbook scale (L ∈ {10, 6, 3, 1, 0.5, 0.2, 0.1}, E ∈ {10, 6, 3, 2, 1, 0.5}, C ∈ {100, 40, 15,
/// 7, 3, 1}) chosen by a row of a table, so a grade's breakdown says which row of which table
/// applied.
///
/// - L, likelihood: the highest of the findings (alarm and incident history as decayed points,
///   age against design life, overdue inspection, overdue maintenance, inspection safety grade,
///   monitoring gaps), each a row of its table; each further finding of at least
///   `compound_from` raises L one step up the scale.
/// - E, exposure: how often people are exposed, from how the equipment is used (`exposure.use`:
///   continuous, daily, weekly...): the type's use (`exposure.by_type`: a boiler's operators are
///   there every day) or else the use at the site's category (`exposure.by_location`: a hospital's
///   elevators run all day).
/// - C, consequence: the type's `consequence.base` (a value of the C scale) raised by steps: the
///   law's priority places or the crowd at the site (the people exposed × the type's
///   `people_factor`, `consequence.people`), whichever is more, the medium's hazard, pressure ×
///   volume; at most the scale's top.
/// - The grade is the colour of the first LEC band D reaches (`bands`: five bands, four colours).
///
/// Every number is data in the file; the file's content hash is part of the model version each
/// grade records.
public struct RiskModel: Sendable {
    /// The file as written.
    public let spec: Spec
    /// `version` from the file plus the content hash, e.g. `lec-3+3f9a0c12`.
    public let version: String
    /// Every device is graded again at least this often.
    public let recomputeMs: Int64
    /// Alarms within this window count towards L.
    public let alarmWindowMs: Int64
    let halfLifeMs: Int64
    /// Monitoring gaps within this window count towards L.
    public let gapWindowMs: Int64
    /// A device turning red gets a notice due within this.
    public let redNoticeDeadlineMs: Int64
    /// The owner's missed routine records within this many days count towards L (nil: they do not).
    public var routineWindowDays: Int? {
        spec.likelihood.routine_missed.flatMap { Interval(parsing: $0.window) }.map { Int($0.milliseconds / 86_400_000) }
    }

    /// `risk.yaml` as written, before it is checked.
    public struct Spec: Decodable, Sendable {
        /// The model's name and version (`lec-3`).
        public let version: String
        /// How often every device is graded again (`24h`).
        public let recompute: String
        let red_notice_deadline: String
        /// The values each factor may take.
        public let scales: Scales
        /// D's bands and their grades, highest first.
        public let bands: [GradeBand]
        /// The L factor.
        public let likelihood: Likelihood
        /// The E factor.
        public let exposure: Exposure
        /// The C factor.
        public let consequence: Consequence
    }

    /// The textbook values of each factor, highest first.
    public struct Scales: Decodable, Sendable {
        /// Likelihood.
        public let L: [Double]
        /// Exposure.
        public let E: [Double]
        /// Consequence.
        public let C: [Double]
    }

    /// One of LEC's bands of D and the colour it maps to.
    public struct GradeBand: Decodable, Sendable {
        /// The band's name in LEC (`very high`...).
        public let band: String
        /// The smallest D in the band.
        public let at_least: Double
        /// The colour devices in the band get.
        public let grade: Grade
    }

    /// A row of a table: inputs at or above `at_least` take `value`.
    public struct Band: Decodable, Sendable {
        /// The smallest input the row applies to.
        public let at_least: Double
        /// What it gives.
        public let value: Double
    }

    /// The L factor: alarms, monitoring gaps, age, overdue maintenance and inspections, the
    /// inspection grade.
    public struct Likelihood: Decodable, Sendable {
        /// L with nothing against the device.
        public let base: Double
        let compound_from: Double
        /// Alarms within their window.
        public let alarms: Alarms
        /// The share of the design life in service → L.
        public let age: [Band]
        /// Days overdue → L.
        public let inspection_overdue: [Band]
        /// The latest result of an inspection is a failure.
        public let inspection_failed: Double
        /// A major hazard (GB 45067-2024) not cleared by maintenance.
        let major_hazard: Double
        /// Maintenance is overdue.
        public let maintenance_overdue: Double
        /// The L of inspection safety grades 1, 2, ... (element 0 is grade 1).
        public let inspection_grade: [Double]
        /// Monitoring gaps within their window.
        public let monitoring_gaps: Gaps
        /// The owner's routine records (SAMR Order 74) missed within their window.
        public let routine_missed: Routine?

        /// Alarms within the window, weighted by severity and fading with a half-life, and the L
        /// their sum reaches.
        public struct Alarms: Decodable, Sendable {
            /// How far back alarms count (`90d`).
            public let window: String
            /// After this long an alarm counts half.
            public let half_life: String
            let weights: [String: Double]
            /// Added for an alarm that opened an incident.
            public let incident: Double
            /// The weighted sum → L.
            public let points: [Band]
        }

        /// Missed routine periods (daily, weekly, monthly) of the device's owner within the
        /// window, and the L their count reaches.
        public struct Routine: Decodable, Sendable {
            /// How far back (`30d`, whole days).
            public let window: String
            /// Missed records in the window → L.
            public let missed: [Band]
        }

        /// Monitoring gaps within the window and the L their count reaches.
        public struct Gaps: Decodable, Sendable {
            /// How far back gaps count.
            public let window: String
            /// Gaps in the window → L.
            public let gaps: [Band]
        }
    }

    /// The E factor: how often people are exposed to the equipment, by its use.
    public struct Exposure: Decodable, Sendable {
        /// A use's value on the E scale (continuous, daily, weekly, monthly, occasional, rare).
        public let use: [String: Double]
        /// The use of a type's equipment wherever it is (boilers, vessels, cylinders, forklifts).
        let by_type: [String: String]
        /// The use at a site's category, for types without their own (elevators).
        public let by_location: [String: String]
        /// The use where neither says.
        public let unknown: String
    }

    /// The C factor's steps above the type's base: the place or the people exposed, the medium,
    /// pressure × volume.
    public struct Consequence: Decodable, Sendable {
        /// Steps by the site's category (the law's priority places: schools, hospitals, stations...).
        public let location_steps: [String: Int]
        /// Steps by the people exposed at the site × the type's `people_factor` (rows high to
        /// low); the larger of these and the place's steps counts, not both.
        public let people: [Band]
        /// The medium's hazard.
        public let medium: Medium
        let pressure_volume: PressureVolume

        /// Consequence points for a hazardous medium (toxic, flammable).
        public struct Medium: Decodable, Sendable {
            /// Attributes naming the medium's hazard, first present wins.
            public let attributes: [String]
            /// Steps by hazard (`toxic`, `flammable`...).
            public let steps: [String: Int]
        }

        /// Consequence points by pressure × volume (pressure vessels).
        public struct PressureVolume: Decodable, Sendable {
            /// The attribute holding the pressure (MPa); `volume` the one holding the volume (m³).
            public let pressure: String
            let volume: String
            /// Pressure × volume → steps.
            public let steps: [Band]
        }
    }

    /// Parses and checks the model; problems are reported at their line in `file`.
    public static func parse(_ text: String, file: String) throws(SourceErrors) -> RiskModel {
        let (source, spec) = try YAMLSource.decode(Spec.self, text: text, file: file)
        var errors: [SourceError] = []
        func duration(_ text: String, _ path: [YAMLSource.PathElement]) -> Int64 {
            guard let i = Interval(parsing: text), i.milliseconds > 0 else {
                errors.append(source.error(at: path, "'\(text)' is not a positive duration (e.g. 24h, 30d)"))
                return 1
            }
            return i.milliseconds
        }
        let recompute = duration(spec.recompute, [.key("recompute")])
        let redDeadline = duration(spec.red_notice_deadline, [.key("red_notice_deadline")])
        let window = duration(spec.likelihood.alarms.window, [.key("likelihood"), .key("alarms"), .key("window")])
        let halfLife = duration(spec.likelihood.alarms.half_life, [.key("likelihood"), .key("alarms"), .key("half_life")])
        let gaps = duration(spec.likelihood.monitoring_gaps.window, [.key("likelihood"), .key("monitoring_gaps"), .key("window")])
        if let r = spec.likelihood.routine_missed {
            let ms = duration(r.window, [.key("likelihood"), .key("routine_missed"), .key("window")])
            if ms % 86_400_000 != 0 || ms == 0 {
                errors.append(source.error(at: [.key("likelihood"), .key("routine_missed"), .key("window")], "the window is whole days, such as 30d"))
            }
        }
        let scales: [(String, [Double])] = [("L", spec.scales.L), ("E", spec.scales.E), ("C", spec.scales.C)]
        for (name, scale) in scales where scale.isEmpty || scale != scale.sorted(by: >) || Set(scale).count != scale.count {
            errors.append(source.error(at: [.key("scales"), .key(name)], "the \(name) scale must list distinct values from the highest down"))
        }
        let thresholds = spec.bands.map(\.at_least)
        if thresholds.isEmpty || thresholds != thresholds.sorted(by: >) || thresholds.last != 0 {
            errors.append(source.error(at: [.key("bands")], "bands must be listed from the highest at_least down to 0"))
        }
        if spec.bands.map(\.grade) != spec.bands.map(\.grade).sorted(by: >) {
            errors.append(source.error(at: [.key("bands")], "a higher band cannot have a lower grade"))
        }
        /// Every L or E value must be on its scale: the breakdown names scale values only.
        func onScale(_ value: Double, _ scale: [Double], _ name: String, _ path: [YAMLSource.PathElement]) {
            if !scale.contains(value) {
                errors.append(source.error(at: path, "\(formatNumber(value)) is not on the \(name) scale (\(scale.map(formatNumber).joined(separator: ", ")))"))
            }
        }
        let l = spec.likelihood, L = spec.scales.L
        onScale(l.base, L, "L", [.key("likelihood"), .key("base")])
        onScale(l.inspection_failed, L, "L", [.key("likelihood"), .key("inspection_failed")])
        onScale(l.major_hazard, L, "L", [.key("likelihood"), .key("major_hazard")])
        onScale(l.maintenance_overdue, L, "L", [.key("likelihood"), .key("maintenance_overdue")])
        for (i, v) in l.inspection_grade.enumerated() { onScale(v, L, "L", [.key("likelihood"), .key("inspection_grade"), .index(i)]) }
        for (use, value) in spec.exposure.use.sorted(by: { $0.key < $1.key }) {
            onScale(value, spec.scales.E, "E", [.key("exposure"), .key("use"), .key(use)])
        }
        let uses: [(YAMLSource.PathElement, [String: String])] = [(.key("by_type"), spec.exposure.by_type),
                                                                 (.key("by_location"), spec.exposure.by_location)]
        for (table, map) in uses {
            for (name, use) in map.sorted(by: { $0.key < $1.key }) where spec.exposure.use[use] == nil {
                errors.append(source.error(at: [.key("exposure"), table, .key(name)], "'\(use)' is not a use listed under exposure.use"))
            }
        }
        if spec.exposure.use[spec.exposure.unknown] == nil {
            errors.append(source.error(at: [.key("exposure"), .key("unknown")], "'\(spec.exposure.unknown)' is not a use listed under exposure.use"))
        }
        let tables: [([String], [Band], [Double]?, String)] = [
            (["likelihood", "alarms", "points"], l.alarms.points, L, "L"), (["likelihood", "age"], l.age, L, "L"),
            (["likelihood", "inspection_overdue"], l.inspection_overdue, L, "L"),
            (["likelihood", "monitoring_gaps", "gaps"], l.monitoring_gaps.gaps, L, "L"),
            (["consequence", "people"], spec.consequence.people, nil, ""),
            (["consequence", "pressure_volume", "steps"], spec.consequence.pressure_volume.steps, nil, "")]
            + (l.routine_missed.map { [(["likelihood", "routine_missed", "missed"], $0.missed, L, "L")] } ?? [])
        for (path, bands, scale, name) in tables {
            let keys = path.map { YAMLSource.PathElement.key($0) }
            let at = bands.map(\.at_least)
            if at.isEmpty || at != at.sorted(by: >) {
                errors.append(source.error(at: keys, "rows must be listed from the highest at_least down"))
            }
            if let scale { for (i, b) in bands.enumerated() { onScale(b.value, scale, name, keys + [.index(i), .key("value")]) } }
        }
        for severity in Severity.allCases.map(\.rawValue) where spec.likelihood.alarms.weights[severity] == nil {
            errors.append(source.error(at: [.key("likelihood"), .key("alarms"), .key("weights")], "no weight for severity '\(severity)'"))
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return RiskModel(spec: spec, version: spec.version + "+" + String(hex(fnv1a(text.utf8)).prefix(8)), recomputeMs: recompute,
                         alarmWindowMs: window, halfLifeMs: halfLife, gapWindowMs: gaps, redNoticeDeadlineMs: redDeadline)
    }
}

extension [RiskModel.Band] {
    /// The first row whose threshold `x` reaches (rows are listed high to low).
    func row(for x: Double) -> RiskModel.Band? { first { x >= $0.at_least } }
}

extension RiskModel.Band {
    /// How the breakdown names the row: `≥ 4`.
    var label: String { "≥ \(formatNumber(at_least))" }
}
