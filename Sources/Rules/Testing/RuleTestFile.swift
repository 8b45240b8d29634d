import Domain
import Source
import DeviceCatalog
import Foundation
import Yams

/// A file of rule tests in `Rules/tests/`, in the spirit of `promtool test rules`: per test, a
/// device (type and attributes), inputs at times, and the alarms expected open at given times.
///
/// ```yaml
/// type: elevator
/// attributes: {rated_speed_mps: 1.75, rated_load_kg: 1000, floors: 12, kind: traction}
/// tests:
///   - name: trapped passenger detected after 20 s
///     inputs:
///       - {at: 0s, data: {passenger_in_car: true, moving: false, door_closed: true}}
///     expect:
///       - {at: 19s, alarms: [{rule: elevator.trapped_detected, state: pending}]}
///       - {at: 20s, alarms: [{rule: elevator.trapped_detected, severity: critical}]}
/// ```
/// `alarms` lists every alarm open at that time (pending or firing; `state` defaults to firing),
/// so `alarms: []` says that nothing may be open. A test may list rule ids to `ignore` (e.g. the
/// silence rule in a test that spans hours without telemetry), and say `must_not_use: true` (or
/// false) for the device's status that rules read as `must_not_use` (unknown when not said).
public struct RuleTestFile: Sendable {
    public let file: String
    public let type: DeviceType
    public let cases: [RuleTestCase]

    static let fileKeys: Set<String> = ["type", "attributes", "tests"]
    static let caseKeys: Set<String> = ["name", "attributes", "inputs", "expect", "ignore", "must_not_use"]
    static let inputKeys: Set<String> = ["at", "data", "event"]
    static let expectKeys: Set<String> = ["at", "alarms"]
    static let alarmKeys: Set<String> = ["rule", "state", "severity", "repeats", "incident"]

    /// Parses a rule test file (`Rules/tests/`) against the device types, every problem located.
    public static func parse(text: String, file: String, types: [String: DeviceType]) throws(SourceErrors) -> RuleTestFile {
        let source: YAMLSource
        do { source = try YAMLSource(file: file, text: text) } catch { throw SourceErrors([error]) }
        var p = TestParser(source: source)
        p.unknown([], fileKeys)
        guard let typeId = source.root.mapping?["type"]?.string, let type = types[typeId] else {
            throw SourceErrors([source.error(at: [.key("type")], "a test file needs 'type', one of \(types.keys.sorted().joined(separator: ", "))")])
        }
        let defaults = p.attributes([.key("attributes")], type: type)
        var cases: [RuleTestCase] = []
        let count = source.root.mapping?["tests"]?.sequence?.count ?? 0
        if count == 0 { p.errors.append(source.error(at: [.key("tests")], "'tests' must be a non-empty list")) }
        for i in 0..<count {
            if let c = p.testCase([.key("tests"), .index(i)], type: type, defaults: defaults) { cases.append(c) }
        }
        guard p.errors.isEmpty else { throw SourceErrors(p.errors) }
        return RuleTestFile(file: file, type: type, cases: cases)
    }
}

/// One test: the device's attributes, timed inputs and the alarms expected.
public struct RuleTestCase: Sendable {
    public let name: String
    public let line: Int
    public let attributes: [String: Scalar]
    public let inputs: [Input]
    public let expectations: [Expectation]
    /// Rule ids whose alarms are not compared.
    let ignore: Set<String>
    /// The device's must-not-use status as `must_not_use` reads it (nil: unknown).
    public var mustNotUse: Bool? = nil

    /// A reading or event at a time offset.
    public struct Input: Sendable {
        let atMs: Int64
        public let values: [Scalar?]
        public let event: String?
    }

    /// What must (or must not) have happened by a time offset.
    public struct Expectation: Sendable {
        let atMs: Int64
        public let line: Int
        public let alarms: [ExpectedAlarm]
    }

    /// An alarm a test expects: its rule, state and severity.
    public struct ExpectedAlarm: Sendable, Equatable, CustomStringConvertible {
        public let rule: String
        public let state: String
        public let severity: String?
        public let repeats: Int?
        public let incident: Bool?

        public var description: String {
            var s = "\(rule) \(state)"
            if let severity { s += " \(severity)" }
            if let repeats { s += " repeats=\(repeats)" }
            if let incident { s += " incident=\(incident)" }
            return s
        }
    }
}

private struct TestParser {
    let source: YAMLSource
    var errors: [SourceError] = []

    init(source: YAMLSource) { self.source = source }

    mutating func unknown(_ path: [YAMLSource.PathElement], _ allowed: Set<String>) {
        errors += DeviceTypeParser.unknownKeys(source, at: path, allowed: allowed)
    }

    mutating func fail(_ path: [YAMLSource.PathElement], _ reason: String) { errors.append(source.error(at: path, reason)) }

    mutating func attributes(_ path: [YAMLSource.PathElement], type: DeviceType) -> [String: Scalar] {
        guard let map = source.node(at: path)?.mapping else { return [:] }
        var out: [String: Scalar] = [:]
        for (k, v) in map {
            guard let name = k.string else { continue }
            guard let spec = type.attributes[name] else {
                fail(path + [.key(name)], "attribute '\(name)' is not declared for \(type.id)")
                continue
            }
            if let s = scalar(v, kind: spec.kind, values: spec.values) { out[name] = s } else {
                fail(path + [.key(name)], "'\(name)' must be \(spec.kind.rawValue)")
            }
        }
        return out
    }

    func scalar(_ node: Node, kind: FieldSpec.Kind, values: [String]) -> Scalar? {
        guard let text = node.scalar?.string else { return nil }
        switch kind {
        case .number, .int: return Double(text).map(Scalar.number)
        case .bool: return text == "true" ? .bool(true) : text == "false" ? .bool(false) : nil
        case .enumeration: return values.contains(text) ? .string(text) : nil
        case .string: return .string(text)
        }
    }

    mutating func time(_ path: [YAMLSource.PathElement]) -> Int64? {
        guard let text = source.node(at: path)?.string, let i = Interval(parsing: text) else {
            fail(path, "'at' must be a time from the start of the test, such as 0s, 90s or 25h")
            return nil
        }
        return i.milliseconds
    }

    mutating func testCase(_ path: [YAMLSource.PathElement], type: DeviceType, defaults: [String: Scalar]) -> RuleTestCase? {
        unknown(path, RuleTestFile.caseKeys)
        let line = source.node(at: path)?.mark?.line ?? 0
        guard let name = source.node(at: path + [.key("name")])?.string else { fail(path, "a test needs a 'name'"); return nil }
        let attrs = defaults.merging(attributes(path + [.key("attributes")], type: type)) { $1 }
        var inputs: [RuleTestCase.Input] = []
        for i in 0..<(source.node(at: path + [.key("inputs")])?.sequence?.count ?? 0) {
            let ip = path + [.key("inputs"), .index(i)]
            unknown(ip, RuleTestFile.inputKeys)
            guard let at = time(ip + [.key("at")]) else { continue }
            var values = [Scalar?](repeating: nil, count: type.fields.count)
            for (k, v) in source.node(at: ip + [.key("data")])?.mapping ?? [:] {
                guard let f = k.string, let pos = type.fieldPosition(f) else {
                    fail(ip + [.key("data")], "field '\(k.string ?? "?")' is not declared for \(type.id)")
                    continue
                }
                let spec = type.fields[pos]
                guard let s = scalar(v, kind: spec.kind, values: spec.values) else {
                    fail(ip + [.key("data"), .key(f)], "'\(f)' must be \(spec.kind.rawValue)\(spec.values.isEmpty ? "" : " (\(spec.values.joined(separator: ", ")))")")
                    continue
                }
                values[pos] = s
            }
            let event = source.node(at: ip + [.key("event")])?.string
            if let event, type.events[event] == nil { fail(ip + [.key("event")], "event code '\(event)' is not declared for \(type.id)") }
            if event == nil, source.node(at: ip + [.key("data")]) == nil { fail(ip, "an input has 'data' (telemetry) or 'event'") }
            inputs.append(.init(atMs: at, values: values, event: event))
        }
        var expectations: [RuleTestCase.Expectation] = []
        let expectCount = source.node(at: path + [.key("expect")])?.sequence?.count ?? 0
        if expectCount == 0 { fail(path, "a test needs 'expect': alarms expected open at given times") }
        for i in 0..<expectCount {
            let ep = path + [.key("expect"), .index(i)]
            unknown(ep, RuleTestFile.expectKeys)
            guard let at = time(ep + [.key("at")]) else { continue }
            guard let list = source.node(at: ep + [.key("alarms")])?.sequence else {
                fail(ep, "'alarms' must be a list (use [] for none)")
                continue
            }
            var alarms: [RuleTestCase.ExpectedAlarm] = []
            for j in 0..<list.count {
                let ap = ep + [.key("alarms"), .index(j)]
                unknown(ap, RuleTestFile.alarmKeys)
                let m = source.node(at: ap)?.mapping
                guard let rule = m?["rule"]?.string else { fail(ap, "an expected alarm needs 'rule'"); continue }
                let state = m?["state"]?.string ?? "firing"
                if state != "firing" && state != "pending" { fail(ap + [.key("state")], "state is pending or firing") }
                alarms.append(.init(rule: rule, state: state, severity: m?["severity"]?.string,
                                    repeats: m?["repeats"]?.int, incident: m?["incident"]?.bool))
            }
            expectations.append(.init(atMs: at, line: source.node(at: ep)?.mark?.line ?? line, alarms: alarms))
        }
        let ignore = Set((source.node(at: path + [.key("ignore")])?.sequence ?? []).compactMap(\.string))
        var c = RuleTestCase(name: name, line: line, attributes: attrs, inputs: inputs, expectations: expectations, ignore: ignore)
        if let node = source.node(at: path + [.key("must_not_use")]) {
            if let b = node.bool { c.mustNotUse = b } else { fail(path + [.key("must_not_use")], "must_not_use is true or false") }
        }
        return c
    }
}
