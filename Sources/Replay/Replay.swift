import Domain
import DeviceCatalog
import Ingest
import Rules
import Records

/// Runs a rule set over stored readings and compares what it would have raised with the alarms
/// recorded in the same period (`equipwatch replay`). Works on its own engine: live alarms,
/// rule state and the outbox are never touched.
///
/// The engine starts empty `warmup` before `from` (at least the longest window of the rules),
/// so windows are full when the compared period starts. Messages are re-validated against the
/// current registry exactly as ingest does (with no age limit), so a replay sees what the rules
/// would see live.
public struct Replay {
    /// The period replayed, the clock step and the topic prefix the rules were written for.
    public struct Options: Sendable {
        public var from: Int64
        public var to: Int64
        /// Clock step between messages: how precisely timers and `silent()` are followed.
        public var tickMs: Int64 = 5000
        public var topicPrefix = Topics.defaultPrefix
        public init(from: Int64, to: Int64) { (self.from, self.to) = (from, to) }
    }

    /// One difference (or agreement) between the replay and the record.
    public struct Row: Sendable {
        /// How an alarm of the replay compares with the recorded one.
        public enum Change: String, Sendable { case added, removed, changed, unchanged }
        public let change: Change
        public let device: String
        public let family: String
        public let rule: String?
        public let severity: String?
        public let firedAt: Int64?
        let recordedRule: String?
        let recordedSeverity: String?
        let recordedFiredAt: Int64?
    }

    /// The comparison: one row per alarm, and what was replayed.
    public struct Report: Sendable {
        public var rows: [Row] = []
        public var messages = 0
        public var rejected = 0
        /// The rules' clock stopped here: the end of the period, or the last stored message
        /// read when the data ends earlier (silence after it is not evidence of anything).
        public var clockEnd: Int64?
        /// Rows with change `c`.
        public func count(_ c: Row.Change) -> Int { rows.filter { $0.change == c }.count }
    }

    /// Replays the stored readings and events of the period through `rules` on an engine of its own
    /// and compares its alarms with the recorded ones; writes nothing.
    public static func run(store: any Store, rules: RuleSet, directory: DeviceDirectory, options: Options) throws -> Report {
        let warmup = max(rules.longestWindowMs, 300_000)
        var engineOptions = RuleEngine.Options()
        engineOptions.tickMs = options.tickMs
        engineOptions.startedAt = options.from - warmup
        engineOptions.lateToleranceMs = .max
        let engine = RuleEngine(rules: rules, options: engineOptions)
        let validator = Validator(prefix: options.topicPrefix, limits: IngestLimits(futureToleranceMs: .max / 4, maxAgeMs: .max / 4))
        var byNum: [Int64: DirectoryEntry] = [:]
        for e in directory.entries { byNum[e.num] = e }
        var report = Report()
        var raised: [Alarm] = []
        var out = RuleOutput()
        var output = IngestOutput()
        var clock = options.from - warmup
        func collect() {
            for c in out.alarms where c.transition == .raised { raised.append(c.alarm) }
            for c in out.alarms where c.transition == .escalated {
                if let i = raised.lastIndex(where: { $0.id == c.alarm.id }) { raised[i].severity = c.alarm.severity; raised[i].rule = c.alarm.rule }
            }
            out.removeAll()
        }
        func advance(to t: Int64) {
            while clock + options.tickMs <= t {
                clock += options.tickMs
                engine.tick(now: clock, directory: directory, into: &out)
            }
            collect()
        }
        var lastTs: Int64?
        try store.forEachMessage(from: options.from - warmup, to: options.to) { m in
            guard let entry = byNum[m.deviceNum] else { return }
            lastTs = max(lastTs ?? m.ts, m.ts)
            advance(to: m.ts)
            report.messages += 1
            let kind: Topic.Kind = m.isEvent ? .event : .telemetry
            var payload = "{\"ts\":\(m.ts)"
            if let code = m.code {
                payload += ",\"code\":"
                JSONWriter.quote(code, into: &payload)
            }
            payload += ",\"data\":\(m.data)}"
            let topic = Topics(prefix: options.topicPrefix).device(gateway: entry.gateway, device: entry.id, kind: kind)
            Array(topic.utf8).withUnsafeBytes { t in
                Array(payload.utf8).withUnsafeBytes { p in
                    validator.validate(topic: t, payload: p, receivedAt: m.ts, directory: directory, into: &output)
                }
            }
            report.rejected += output.deadLetters.count
            for a in output.accepted {
                let e = directory.entries[a.entryIndex]
                engine.evaluate(a, device: e, type: directory.type(of: e), into: &out)
            }
            output.removeAll()
            collect()
        }
        // Never past the data: ticking on after the last stored message would raise "silent"
        // alarms for every device at times nothing was recorded (or that have not come yet).
        if let lastTs {
            let end = min(options.to, lastTs)
            advance(to: end)
            report.clockEnd = end
        }
        let replayed = raised.filter { ($0.firedAt ?? 0) >= options.from && ($0.firedAt ?? 0) <= options.to }
        let recorded = try store.recordedAlarms(from: options.from, to: options.to)
        report.rows = compare(replayed, recorded, tolerance: 2 * options.tickMs + 1000)
        return report
    }

    /// Pairs replayed and recorded alarms of the same device and family whose firing times lie
    /// within `tolerance`; the rest are added or removed.
    static func compare(_ replayed: [Alarm], _ recorded: [RecordedAlarm], tolerance: Int64) -> [Row] {
        var rows: [Row] = []
        var open = recorded
        for a in replayed.sorted(by: { ($0.firedAt ?? 0) < ($1.firedAt ?? 0) }) {
            let fired = a.firedAt ?? a.startedAt
            if let i = open.firstIndex(where: { $0.device == a.device && $0.family == a.family && abs($0.firedAt - fired) <= tolerance }) {
                let r = open.remove(at: i)
                let same = r.severity == a.severity.rawValue && r.rule == a.rule
                rows.append(Row(change: same ? .unchanged : .changed, device: a.device, family: a.family, rule: a.rule,
                                severity: a.severity.rawValue, firedAt: fired, recordedRule: r.rule,
                                recordedSeverity: r.severity, recordedFiredAt: r.firedAt))
            } else {
                rows.append(Row(change: .added, device: a.device, family: a.family, rule: a.rule, severity: a.severity.rawValue,
                                firedAt: fired, recordedRule: nil, recordedSeverity: nil, recordedFiredAt: nil))
            }
        }
        for r in open {
            rows.append(Row(change: .removed, device: r.device, family: r.family, rule: nil, severity: nil, firedAt: nil,
                            recordedRule: r.rule, recordedSeverity: r.severity, recordedFiredAt: r.firedAt))
        }
        return rows.sorted { ($0.firedAt ?? $0.recordedFiredAt ?? 0) < ($1.firedAt ?? $1.recordedFiredAt ?? 0) }
    }
}

/// One line of a replay report: what the rules would fire now against what was recorded.
public struct ReplayItem: ResponseRow, Equatable {
    public var change: String
    public var device: String
    public var family: String
    public var rule: String?
    public var severity: String?
    public var firedAt: Instant?
    var recordedRule: String?
    var recordedSeverity: String?
    var recordedFiredAt: Instant?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case change, device, family, rule, severity, firedAt = "fired_at", recordedRule = "recorded_rule"
        case recordedSeverity = "recorded_severity", recordedFiredAt = "recorded_fired_at"
    }

    public init(_ r: Replay.Row) {
        change = r.change.rawValue
        device = r.device
        family = r.family
        rule = r.rule
        severity = r.severity
        firedAt = r.firedAt.map { Instant(millis: $0) }
        recordedRule = r.recordedRule
        recordedSeverity = r.recordedSeverity
        recordedFiredAt = r.recordedFiredAt.map { Instant(millis: $0) }
    }
}
