import Domain
import Source
import DeviceCatalog
import Foundation

/// The risk grading model of `Rules/risk.yaml` (SPEC §10): LEC, D = L × E × C (DOMAIN.md).
///
/// - L, likelihood: a base plus additions for alarm and incident history (weighted by severity,
///   halved every `half_life`), age against design life, overdue inspection, overdue
///   maintenance, inspection safety grade and monitoring gaps; capped at `max`.
/// - E, exposure: from the people exposed at the device's site, scaled by the type's
///   `people_factor` (a boiler room exposes fewer people than the building it heats).
/// - C, consequence: the type's `consequence.base`, times the location category's weight, the
///   medium's hazard weight and the pressure × volume weight (each scaled by the type's
///   factor for it); capped at `max`.
/// - The grade is the first of red, orange, yellow whose threshold D reaches; otherwise blue.
///
/// Every number is data in the file; the file's content hash is part of the model version each
/// grade records.
public struct RiskModel: Sendable {
    public let spec: Spec
    /// `version` from the file plus the content hash, e.g. `lec-1+3f9a0c12`.
    public let version: String
    public let recomputeMs: Int64
    public let alarmWindowMs: Int64
    public let halfLifeMs: Int64
    public let gapWindowMs: Int64
    public let redNoticeDeadlineMs: Int64

    public struct Spec: Decodable, Sendable {
        public let version: String
        public let recompute: String
        public let red_notice_deadline: String
        public let grades: Grades
        public let likelihood: Likelihood
        public let exposure: Exposure
        public let consequence: Consequence
    }

    public struct Grades: Decodable, Sendable {
        public let red: Double
        public let orange: Double
        public let yellow: Double
    }

    public struct Band: Decodable, Sendable {
        public let at_least: Double
        public let value: Double
    }

    public struct Likelihood: Decodable, Sendable {
        public let base: Double
        public let max: Double
        public let alarms: Alarms
        public let age: [Band]
        public let inspection_overdue: Double
        public let maintenance_overdue: Double
        /// Added for inspection safety grades 1, 2, ... (element 0 is grade 1).
        public let inspection_grade: [Double]
        public let monitoring_gaps: Gaps

        public struct Alarms: Decodable, Sendable {
            public let window: String
            public let half_life: String
            public let weights: [String: Double]
            public let incident: Double
        }

        public struct Gaps: Decodable, Sendable {
            public let window: String
            public let per_gap: Double
            public let max: Double
        }
    }

    public struct Exposure: Decodable, Sendable {
        public let people: [Band]
        public let unknown: Double
        public let min: Double
    }

    public struct Consequence: Decodable, Sendable {
        public let max: Double
        public let location: [String: Double]
        public let location_default: Double
        public let medium: Medium
        public let pressure_volume: PressureVolume

        public struct Medium: Decodable, Sendable {
            /// Attributes naming the medium's hazard, first present wins.
            public let attributes: [String]
            public let weights: [String: Double]
        }

        public struct PressureVolume: Decodable, Sendable {
            public let pressure: String
            public let volume: String
            public let bands: [Band]
        }
    }

    /// Parses and checks the model; problems are reported at their line in `file`.
    public static func parse(_ text: String, file: String) throws(SourceErrors) -> RiskModel {
        let source: YAMLSource
        let spec: Spec
        do {
            source = try YAMLSource(file: file, text: text)
            spec = try source.decode(Spec.self)
        } catch {
            throw SourceErrors([error])
        }
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
        let g = spec.grades
        if !(g.red > g.orange && g.orange > g.yellow && g.yellow > 0) {
            errors.append(source.error(at: [.key("grades")], "thresholds must fall: red > orange > yellow > 0"))
        }
        for (path, bands) in [(["exposure", "people"], spec.exposure.people), (["likelihood", "age"], spec.likelihood.age),
                              (["consequence", "pressure_volume", "bands"], spec.consequence.pressure_volume.bands)] {
            let thresholds = bands.map(\.at_least)
            if thresholds.isEmpty || thresholds != thresholds.sorted(by: >) {
                errors.append(source.error(at: path.map { .key($0) }, "bands must be listed from the highest at_least down"))
            }
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
    /// The value of the first band whose threshold `x` reaches (bands are listed high to low).
    func value(for x: Double) -> Double? { first { x >= $0.at_least }?.value }
}
