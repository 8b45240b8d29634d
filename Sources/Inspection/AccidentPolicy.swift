import Domain
import Source

/// How accidents are classed and reported (`Rules/accidents.yaml`): the casualty and loss
/// thresholds of each class, the special cases that make an accident of a class whatever its
/// casualties (passengers held in an elevator car for 2 hours or more: 一般), and how soon the
/// owner must report. Pure: text in, values out.
public struct AccidentPolicy: Sendable, Equatable {
    /// A class reached by any one of its thresholds.
    public struct Threshold: Sendable, Equatable {
        public var `class`: AccidentClass
        public var deaths: Int
        public var seriousInjuries: Int
        public var lossCNY: Int64
    }

    /// An event that is an accident of `class` by what happened, not by its casualties.
    public struct SpecialCase: Sendable, Equatable {
        public var id: String
        public var `class`: AccidentClass
        public var description: String
        public var descriptionZh: String
        /// Device types it applies to (empty: any).
        public var types: [String]
        /// For a holding case: how long people must be held for it to be an accident.
        public var heldForMs: Int64?
        /// Where it comes from.
        public var source: String
        /// False where the text of the source could not be checked (the file says so).
        public var confirmed: Bool
    }

    /// Highest class first.
    public var thresholds: [Threshold]
    public var specialCases: [SpecialCase]
    /// The owner reports an accident to the county-level supervisor within this (1 h).
    public var reportWithinMs: Int64

    /// The class of an accident with these casualties and this loss, raised by its special case:
    /// the highest class any threshold reaches, else `general`.
    public func classify(deaths: Int, seriousInjuries: Int, lossCNY: Int64, specialCase: String? = nil) -> AccidentClass {
        var found = AccidentClass.general
        for t in thresholds where deaths >= t.deaths || seriousInjuries >= t.seriousInjuries || lossCNY >= t.lossCNY {
            found = max(found, t.class)
        }
        if let id = specialCase, let c = specialCases.first(where: { $0.id == id }) { found = max(found, c.class) }
        return found
    }

    /// The special case of passengers held in a car (`held_for`) for devices of `type`, if any.
    public func heldCase(type: String) -> SpecialCase? {
        specialCases.first { $0.heldForMs != nil && ($0.types.isEmpty || $0.types.contains(type)) }
    }

    public func specialCase(_ id: String) -> SpecialCase? { specialCases.first { $0.id == id } }

    /// Parses `accidents.yaml`, every problem located.
    public static func parse(text: String, file: String) throws(SourceErrors) -> AccidentPolicy {
        struct RawThreshold: Decodable {
            let deaths: Int
            let serious_injuries: Int
            let loss_cny: Int64
        }
        struct RawCase: Decodable {
            let `class`: String
            let description: String
            let description_zh: String
            let types: [String]?
            let held_for: String?
            let source: String
            let confirmed: Bool?
        }
        struct Raw: Decodable {
            let classes: [String: RawThreshold]
            let special_cases: [String: RawCase]?
            let report_within: String
        }
        let (source, raw) = try YAMLSource.decode(Raw.self, text: text, file: file)
        var errors: [SourceError] = []
        var thresholds: [Threshold] = []
        for (name, t) in raw.classes.sorted(by: { $0.key < $1.key }) {
            guard let c = AccidentClass(rawValue: name), c != .general else {
                errors.append(source.error(at: [.key("classes"), .key(name)], """
                    '\(name)' is not a class with thresholds (extraordinary, major, larger; general is what falls below them)
                    """))
                continue
            }
            if t.deaths < 1 || t.serious_injuries < 1 || t.loss_cny < 1 {
                errors.append(source.error(at: [.key("classes"), .key(name)], "thresholds must be 1 or more"))
            }
            thresholds.append(Threshold(class: c, deaths: t.deaths, seriousInjuries: t.serious_injuries, lossCNY: t.loss_cny))
        }
        thresholds.sort { $0.class > $1.class }
        // A higher class needs more of everything.
        for (high, low) in zip(thresholds, thresholds.dropFirst())
        where high.deaths <= low.deaths || high.seriousInjuries <= low.seriousInjuries || high.lossCNY <= low.lossCNY {
            errors.append(source.error(at: [.key("classes"), .key(high.class.rawValue)],
                                       "\(high.class.rawValue) must need more deaths, injuries and loss than \(low.class.rawValue)"))
        }
        var cases: [SpecialCase] = []
        for (id, c) in (raw.special_cases ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let cls = AccidentClass(rawValue: c.class) else {
                errors.append(source.error(at: [.key("special_cases"), .key(id), .key("class")],
                                           "'\(c.class)' is not an accident class (\(AccidentClass.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            var held: Int64?
            if let text = c.held_for {
                if let i = Interval(parsing: text), i.milliseconds > 0 { held = i.milliseconds } else {
                    errors.append(source.error(at: [.key("special_cases"), .key(id), .key("held_for")], "held_for must be a duration such as 2h, not '\(text)'"))
                }
            }
            cases.append(SpecialCase(id: id, class: cls, description: c.description, descriptionZh: c.description_zh, types: c.types ?? [],
                                     heldForMs: held, source: c.source, confirmed: c.confirmed ?? true))
        }
        var within: Int64 = 0
        if let i = Interval(parsing: raw.report_within), i.milliseconds > 0 { within = i.milliseconds } else {
            errors.append(source.error(at: [.key("report_within")], "report_within must be a duration such as 1h, not '\(raw.report_within)'"))
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return AccidentPolicy(thresholds: thresholds, specialCases: cases, reportWithinMs: within)
    }
}
