import Domain
import Source
import DeviceCatalog
import Foundation
import Ingest

/// Runs rule tests against a compiled rule set, each case on a fresh engine with one device.
///
/// The clock advances in steps of one second (and to every input and expectation time); inputs
/// at a time are applied before the clock and before the expectations at that time.
public enum RuleTestRunner {
    /// Where every test starts: 2026-01-01T00:00:00Z.
    public static let origin: Int64 = 1_767_225_600_000

    /// A test's outcome: passed, or each expectation that failed with what happened instead.
    public struct Result: Sendable {
        public let file: String
        public let name: String
        public let line: Int
        /// Empty when the test passed; otherwise one entry per failed expectation.
        public let failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    /// Parses every test file and runs it. Throws the files' errors.
    public static func run(files sources: [SourceText], rules: RuleSet, types: [String: DeviceType]) throws(SourceErrors) -> [Result] {
        var errors: [SourceError] = []
        var files: [RuleTestFile] = []
        for source in sources {
            do { files.append(try RuleTestFile.parse(text: source.text, file: source.file, types: types)) }
            catch { errors += error.errors }
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return files.flatMap { f in f.cases.map { run($0, file: f, rules: rules) } }
    }

    /// Runs one test on a fresh engine with a clock of its own and checks its expectations.
    public static func run(_ test: RuleTestCase, file: RuleTestFile, rules: RuleSet) -> Result {
        let type = file.type
        let record = DeviceRecord(id: "test-device", type: type.id, gateway: "test-gateway", site: "test-site", owner: "test-owner",
                                  firm: "test-firm", commissioned: Day(year: 2020, month: 1, day: 1)!, lastInspections: [:],
                                  inspectionGrade: nil, attributes: test.attributes, origin: Origin(file: file.file, line: test.line))
        let directory = DeviceDirectory(types: [type.id: type], devices: [(1, record)], gateways: ["test-gateway"])
        var options = RuleEngine.Options()
        options.tickMs = 0
        options.startedAt = origin
        let engine = RuleEngine(rules: rules, options: options)
        if let forbidden = test.mustNotUse { engine.status = FixedStatus(forbidden: forbidden) }
        let entry = directory.entries[0]
        let end = max(test.inputs.map(\.atMs).max() ?? 0, test.expectations.map(\.atMs).max() ?? 0)
        var times = Set(stride(from: Int64(0), through: end, by: 1000))
        for i in test.inputs { times.insert(i.atMs) }
        for e in test.expectations { times.insert(e.atMs) }
        var out = RuleOutput()
        var failures: [String] = []
        var inputIndex = 0
        let inputs = test.inputs.enumerated().sorted { ($0.element.atMs, $0.offset) < ($1.element.atMs, $1.offset) }.map(\.element)
        for t in times.sorted() {
            let now = origin + t
            while inputIndex < inputs.count, inputs[inputIndex].atMs == t {
                let input = inputs[inputIndex]
                let m = AcceptedMessage(deviceNum: 1, entryIndex: 0, kind: input.event == nil ? .telemetry : .event, ts: now, seq: nil,
                                        receivedAt: now, values: input.event == nil ? FieldValues(input.values) : FieldValues(), code: input.event, data: "{}")
                engine.evaluate(m, device: entry, type: type, into: &out)
                inputIndex += 1
            }
            engine.tick(now: now, directory: directory, into: &out)
            for e in test.expectations where e.atMs == t {
                let actual = engine.openAlarms().filter { !test.ignore.contains($0.rule) }
                if let diff = compare(e.alarms, actual) {
                    failures.append("\(file.file):\(e.line): at \(Interval(milliseconds: t)):\n\(diff)")
                }
            }
        }
        return Result(file: file.file, name: test.name, line: test.line, failures: failures)
    }

    /// nil when `actual` matches `expected` exactly (as multisets); otherwise a diff.
    static func compare(_ expected: [RuleTestCase.ExpectedAlarm], _ actual: [Alarm]) -> String? {
        var unmatched = actual
        var missing: [RuleTestCase.ExpectedAlarm] = []
        for e in expected {
            if let i = unmatched.firstIndex(where: { matches(e, $0) }) { unmatched.remove(at: i) } else { missing.append(e) }
        }
        guard !missing.isEmpty || !unmatched.isEmpty else { return nil }
        var lines = ["    expected: " + (expected.isEmpty ? "(none)" : expected.map(\.description).joined(separator: "; ")),
                     "    actual:   " + (actual.isEmpty ? "(none)" : actual.map(describe).joined(separator: "; "))]
        for m in missing { lines.append("    - missing \(m)") }
        for a in unmatched { lines.append("    + unexpected \(describe(a))") }
        return lines.joined(separator: "\n")
    }

    static func matches(_ e: RuleTestCase.ExpectedAlarm, _ a: Alarm) -> Bool {
        a.rule == e.rule && a.state.rawValue == e.state && (e.severity.map { $0 == a.severity.rawValue } ?? true)
            && (e.repeats.map { $0 == a.repeats } ?? true) && (e.incident.map { $0 == (a.incidentId != nil) } ?? true)
    }

    static func describe(_ a: Alarm) -> String {
        "\(a.rule) \(a.state.rawValue) \(a.severity.rawValue) repeats=\(a.repeats) incident=\(a.incidentId != nil)"
    }
}

/// A rule test's device status: what the test says, whatever the time.
final class FixedStatus: DeviceStatusSource {
    let forbidden: Bool
    init(forbidden: Bool) { self.forbidden = forbidden }
    func mustNotUse(_ device: DirectoryEntry, type: DeviceType, at ts: Int64) -> Bool { forbidden }
}
