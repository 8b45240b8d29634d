import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Ingest
@testable import Rules
import Testing

@Suite("Rule language and engine")
struct RuleEngineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let types: [String: DeviceType] = try! Catalog.loadTypes(directory: root + "/Devices/types")

    func load(_ text: String) throws -> RuleSet {
        let dir = NSTemporaryDirectory() + "ew-core-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        return try RuleLoader.load(directory: dir, types: Self.types)
    }

    func errors(_ text: String) -> String {
        do { _ = try load(text); return "" } catch { return "\(error)".replacingOccurrences(of: NSTemporaryDirectory(), with: "") }
    }

    func rule(_ when: String, extra: String = "") -> String {
        "type: elevator\nrules:\n  - id: r\n    when: \(when)\n    severity: major\n    message: m\n\(extra)"
    }

    @Test("errors name the file, line and column of the offending token, with a reason")
    func locatedErrors() {
        #expect(errors(rule("sped_mps > 1")).hasSuffix("p.yaml:4:11: rule 'r' when: field 'sped_mps' is not declared for elevator; did you mean 'speed_mps'?"))
        #expect(errors(rule("service_mode == \"nromal\"")).contains("p.yaml:4:27: rule 'r' when: \"nromal\" is not a value of field 'service_mode'"))
        #expect(errors(rule("event == \"traped\"")).contains("is not a value of the event code"))
        #expect(errors(rule("speed_mps > 1 and")).contains("p.yaml:4:28: rule 'r' when: expected a value"))
        #expect(errors(rule("speed_mps == \"fast\"")).contains("a number and a string literal cannot be compared"))
        #expect(errors(rule("speed_mps + moving > 1")).contains("'+' needs numbers on both sides"))
        #expect(errors(rule("rated_speed_mps > 1")).contains("'rated_speed_mps' is a registry attribute: write attr.rated_speed_mps"))
        #expect(errors(rule("attr.no_such > 1")).contains("attribute 'no_such' is not declared for elevator"))
        #expect(errors(rule("count(avg(speed_mps, 1m) > 1, 1h) > 2")).contains("avg() cannot be used inside count()"))
        #expect(errors(rule("avg(speed_mps) > 1")).contains("avg() takes 2 arguments"))
        #expect(errors(rule("rate(speed_mps, 10) > 1")).contains("needs a positive duration"))
        #expect(errors(rule("speed_mps > 1", extra: "    for: soon\n")).contains("p.yaml:7:10: 'for' must be a duration"))
        #expect(errors(rule("speed_mps > 1", extra: "    sevrity: major\n")).contains("unknown key 'sevrity'"))
        #expect(errors(rule("1 < speed_mps < 2")).contains("comparisons do not chain"))
        #expect(errors("type: elevator\nrules:\n  - id: r\n    when: speed_mps > 1\n    severity: major\n    message: \"{sped_mps}\"\n")
            .contains("rule 'r' message: field 'sped_mps' is not declared"))
        #expect(errors("type: elevator\nrules:\n  - id: r\n    when: speed_mps > 1\n    severity: major\n    message: m\n    message_zh: \"{sped_mps} 超速\"\n")
            .contains("p.yaml:7:19: rule 'r' message_zh: field 'sped_mps' is not declared"))
        #expect(errors(rule("speed_mps > 1", extra: "    maintenance: {deadline: 1d, reason: r, reason_cn: x}\n"))
            .contains("unknown key 'reason_cn' (expected deadline, reason, reason_zh)"))
    }

    @Test("every shipped pack loads, and every shipped rule test passes")
    func shippedRulesAndTests() throws {
        let rules = try RuleLoader.load(directory: Self.root + "/Rules", types: Self.types)
        #expect(Set(rules.packs.map { ($0.file as NSString).lastPathComponent }) == ["elevator.yaml", "escalator.yaml", "boiler.yaml", "pressure_vessel.yaml", "gas_cylinder.yaml", "forklift.yaml"])
        let results = try RuleTestRunner.run(directory: Self.root + "/Rules/tests", rules: rules, types: Self.types)
        for r in results where !r.passed { Issue.record("\(r.name): \(r.failures.joined(separator: "\n"))") }
        // Every rule is expected to fire in some test, and some test of its type expects it not to.
        var files: [RuleTestFile] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: Self.root + "/Rules/tests") where f.hasSuffix(".yaml") {
            let path = Self.root + "/Rules/tests/" + f
            files.append(try RuleTestFile.parse(text: try String(contentsOfFile: path, encoding: .utf8), file: path, types: Self.types))
        }
        for id in rules.ruleIds {
            let type = String(id.prefix { $0 != "." })
            let expectations = files.filter { $0.type.id == type }.flatMap { $0.cases.flatMap(\.expectations) }
            #expect(expectations.contains { e in e.alarms.contains { $0.rule == id && $0.state == "firing" } }, "\(id) never fires in a test")
            #expect(expectations.contains { e in !e.alarms.contains { $0.rule == id } }, "\(id) has no test where it must not fire")
        }
    }

    // MARK: Engine behaviour on one device

    struct Device {
        let engine: RuleEngine
        let directory: DeviceDirectory
        var out = RuleOutput()
        static let t0: Int64 = 1_767_225_600_000

        init(_ rules: RuleSet, type: String = "elevator", attributes: [String: Scalar] = ["rated_speed_mps": .number(2)], late: Int64 = 10_000) {
            let record = DeviceRecord(id: "d1", type: type, gateway: "g", site: "s", owner: "o", firm: "f",
                                      commissioned: Day(year: 2020, month: 1, day: 1)!, lastInspections: [:], inspectionGrade: nil,
                                      attributes: attributes, origin: Origin(file: "t", line: nil))
            directory = DeviceDirectory(types: RuleEngineTests.types, devices: [(1, record)], gateways: ["g"])
            var o = RuleEngine.Options()
            o.tickMs = 0
            o.lateToleranceMs = late
            o.startedAt = Self.t0
            engine = RuleEngine(rules: rules, options: o)
        }

        /// A message stamped `at` (ms after t0), arriving at `arrival` (default: when stamped).
        mutating func send(_ at: Int64, _ values: [String: Scalar] = [:], event: String? = nil, arrival: Int64? = nil) {
            let type = directory.type(of: directory.entries[0])
            var v = [Scalar?](repeating: nil, count: type.fields.count)
            for (k, x) in values { v[type.fieldPosition(k)!] = x }
            let m = AcceptedMessage(deviceNum: 1, entryIndex: 0, kind: event == nil ? .telemetry : .event, ts: Self.t0 + at, seq: nil,
                                    receivedAt: Self.t0 + (arrival ?? at), values: event == nil ? FieldValues(v) : [], code: event, data: "{}")
            engine.evaluate(m, device: directory.entries[0], type: type, into: &out)
        }

        mutating func tick(_ at: Int64) { engine.tick(now: Self.t0 + at, directory: directory, into: &out) }
        var open: [String] { engine.openAlarms().map { "\($0.rule):\($0.state.rawValue)" } }
    }

    @Test("an alarm's message is rendered in English and Chinese from the same values; a rule without message_zh has none")
    func messagesInBothLanguages() throws {
        let rules = try load("""
            type: elevator
            rules:
              - id: fast
                when: speed_mps > 1.15 * attr.rated_speed_mps
                severity: critical
                message: "{device} overspeed: {speed_mps} m/s, rated {attr.rated_speed_mps} m/s"
                message_zh: "{device} 超速：{speed_mps} m/s，额定速度 {attr.rated_speed_mps} m/s"
              - {id: door, when: "not door_closed and moving", severity: major, message: "{device} moving with doors open"}
            """)
        var d = Device(rules)
        d.send(0, ["speed_mps": .number(2.5), "moving": .bool(true), "door_closed": .bool(false)])
        let raised = Dictionary(uniqueKeysWithValues: d.out.alarms.filter { $0.transition == .raised }.map { ($0.alarm.rule, $0.alarm) })
        #expect(raised["fast"]?.message == "d1 overspeed: 2.5 m/s, rated 2 m/s")
        #expect(raised["fast"]?.messageZh == "d1 超速：2.5 m/s，额定速度 2 m/s")
        #expect(raised["door"]?.message == "d1 moving with doors open")
        #expect(raised["door"] != nil && raised["door"]?.messageZh == nil)
        // The feed carries both, so a Chinese reader of the stream needs nothing else.
        let payload = AlarmFeed.payload(try #require(raised["fast"]), transition: "raised", at: Device.t0)
        #expect(payload.contains(#""message_zh":"d1 超速：2.5 m/s，额定速度 2 m/s""#))
    }

    @Test("every shipped rule says its message and its maintenance reason in Chinese too")
    func shippedRulesSpeakChinese() throws {
        let rules = try RuleLoader.load(directory: Self.root + "/Rules", types: Self.types)
        for program in rules.programs.values {
            for r in program.rules {
                #expect(r.messageZh != nil, "\(r.id) has no message_zh")
                if let f = r.spec.maintenance, f.reason != nil { #expect(f.reasonZh != nil, "\(r.id) has no maintenance reason_zh") }
            }
        }
    }

    @Test("a trapped event 4 min older than the newest reading (a gateway flushing newest first) still raises its alarm at its own time, noted late; a late warning event is ignored")
    func lateSafetyEvents() throws {
        let rules = try RuleLoader.load(directory: Self.root + "/Rules", types: Self.types)
        let program = try #require(rules.programs["elevator"])
        #expect(program.safetyEventCodes.contains("trapped") && program.safetyEventCodes.contains("door_lock_bridged"))
        #expect(!program.safetyEventCodes.contains("door_close_fault") && !program.safetyEventCodes.contains("remote_alarm_self_test"))
        var d = Device(rules)
        d.send(300_000, ["moving": .bool(false), "door_closed": .bool(true), "passenger_in_car": .bool(false)])
        d.send(60_000, event: "door_close_fault")
        #expect(d.engine.lateIgnored == 1)
        d.send(60_000, event: "trapped")
        let raised = try #require(d.out.alarms.first { $0.transition == .raised && $0.alarm.rule == "elevator.trapped" }?.alarm)
        #expect(raised.startedAt == Device.t0 + 60_000 && raised.firedAt == Device.t0 + 60_000)
        #expect(raised.message.hasSuffix("(arrived late: stamped 240 s before the device's newest reading)"))
        #expect(raised.messageZh?.hasSuffix("（迟到送达：时间戳早于该设备最新读数 240 秒）") == true)
        #expect(d.engine.lateIgnored == 1)
        // The late event moved nothing else: the device's time and values are the newest reading's.
        #expect(d.open == ["elevator.trapped:firing"])
    }

    @Test("a clock running 4 min ahead raises one clock_skew event and does not blind the rules: the next readings and a trapped event count")
    func clockAhead() throws {
        let rules = try RuleLoader.load(directory: Self.root + "/Rules", types: Self.types)
        var d = Device(rules)
        d.send(240_000, ["moving": .bool(true), "door_closed": .bool(true)], arrival: 0)
        d.send(241_000, ["moving": .bool(true), "door_closed": .bool(true)], arrival: 1000)
        let skews = d.out.events.filter { $0.code == .clockSkew }
        #expect(skews.count == 1)
        #expect(skews.first?.ts == Device.t0 && skews.first?.data.contains(#""ahead_ms":240000"#) == true)
        // The gateway's clock is set right: its readings are not late, and the rules hear them.
        d.send(2000, ["moving": .bool(false), "door_closed": .bool(true), "passenger_in_car": .bool(true)])
        d.send(3000, event: "trapped")
        #expect(d.engine.lateIgnored == 0)
        let raised = try #require(d.out.alarms.first { $0.transition == .raised && $0.alarm.rule == "elevator.trapped" }?.alarm)
        #expect(raised.firedAt == Device.t0 + 3000 && !raised.message.contains("arrived late"))
        // Ahead again: a second event.
        d.send(500_000, arrival: 4000)
        #expect(d.out.events.filter { $0.code == .clockSkew }.count == 2)
    }

    @Test("window functions: avg, min, max, delta, rate and count over event time")
    func windowFunctions() throws {
        let rules = try load("""
            type: elevator
            rules:
              - {id: avg, when: "avg(speed_mps, 1m) > 1.5", severity: info, message: m}
              - {id: min, when: "min(speed_mps, 1m) < 0.8", severity: info, message: m}
              - {id: max, when: "max(speed_mps, 1m) > 2.9", severity: info, message: m}
              - {id: delta, when: "delta(run_count, 10m) >= 10", severity: info, message: m}
              - {id: rate, when: "rate(run_count, 10m) > 1", severity: info, message: m}
              - {id: changed, when: "changed(floor)", severity: info, message: m}
            """)
        var d = Device(rules)
        d.send(0, ["speed_mps": .number(1), "run_count": .number(100), "floor": .number(1)])
        #expect(d.open.isEmpty)
        d.send(10_000, ["speed_mps": .number(3), "run_count": .number(105), "floor": .number(2)])
        #expect(Set(d.open) == ["avg:firing", "max:firing", "changed:firing"])
        d.send(20_000, ["speed_mps": .number(1.2), "run_count": .number(130), "floor": .number(2)])
        // avg 1.73, max 3, delta 30 over 20 s (rate 1.5/s); the floor did not change.
        #expect(Set(d.open) == ["avg:firing", "max:firing", "delta:firing", "rate:firing"])
        d.send(200_000, ["speed_mps": .number(0.5), "run_count": .number(131)])
        // The 1 min windows moved past the first samples (min is now 0.5); run_count's 10 min
        // window still sees 100 → 131, though at 0.155 runs/s.
        #expect(Set(d.open) == ["min:firing", "delta:firing"])
    }

    @Test("a late reading within the tolerance counts in windows but never overwrites the current value; beyond it is ignored")
    func lateReadings() throws {
        let rules = try load("""
            type: elevator
            rules:
              - {id: now, when: speed_mps > 2, severity: info, message: m}
              - {id: peak, when: "max(speed_mps, 1m) > 2", severity: info, message: m}
            """)
        var d = Device(rules, late: 5000)
        d.send(10_000, ["speed_mps": .number(1)])
        d.send(7_000, ["speed_mps": .number(2.5)])   // 3 s late: counts in the window only
        #expect(d.open == ["peak:firing"])
        d.send(1_000, ["speed_mps": .number(9)])     // 9 s late: ignored by the rules
        #expect(d.engine.lateIgnored == 1)
        #expect(d.open == ["peak:firing"])
    }

    @Test("a value hovering around the threshold gives one alarm, its repeats counted, resolved once after clear_for")
    func noFlapping() throws {
        let rules = try load(rule("speed_mps > 2", extra: "    clear_for: 10s\n"))
        var d = Device(rules)
        for (i, v) in [2.1, 1.9, 2.1, 1.9, 2.1, 1.9].enumerated() { d.send(Int64(i) * 1000, ["speed_mps": .number(v)]) }
        d.tick(14_000)
        #expect(d.open == ["r:firing"])
        d.tick(15_000)
        #expect(d.open.isEmpty)
        let raised = d.out.alarms.filter { $0.transition == .raised }
        #expect(raised.count == 1)
        #expect(d.out.alarms.filter { $0.transition == .repeated }.count == 2)
        #expect(d.out.alarms.last?.transition == .resolved)
        #expect(d.out.alarms.last?.alarm.resolvedAt == Device.t0 + 15_000)
    }

    @Test("unknown values neither fire a rule nor clear it")
    func unknownIsNotFalse() throws {
        let rules = try load(rule("not moving"))
        var d = Device(rules)
        d.send(0, ["speed_mps": .number(1)])
        #expect(d.open.isEmpty)
        d.send(1000, ["moving": .bool(false)])
        #expect(d.open == ["r:firing"])
    }

    @Test("the persisted state restores pending timers and firing alarms in a new engine")
    func stateRoundTrip() throws {
        let rules = try load("""
            type: elevator
            rules:
              - {id: fast, when: speed_mps > 2, severity: warning, message: m}
              - {id: slow, when: passenger_in_car, for: 30s, severity: major, message: m}
              - {id: peak, when: "max(speed_mps, 10m) > 5", severity: info, message: m}
            """)
        var a = Device(rules)
        a.send(0, ["speed_mps": .number(6), "passenger_in_car": .bool(true)])
        let saved = a.engine.drainState(force: true)
        var b = Device(rules)
        b.engine.restore(saved, directory: b.directory, layouts: [:])
        #expect(Set(b.open) == Set(a.open))
        b.tick(30_000)
        #expect(Set(b.open) == ["fast:firing", "slow:firing", "peak:firing"])
        #expect(b.out.alarms.filter { $0.transition == .raised }.map(\.alarm.rule) == ["slow"])
        b.send(31_000, ["speed_mps": .number(1)])
        #expect(Set(b.open) == ["slow:firing", "peak:firing"])
    }

    @Test("text fields take no slots until one is seen, and their values survive the persisted state")
    func textFieldsAreKeptLazily() throws {
        let rules = try RuleLoader.load(directory: Self.root + "/Rules", types: Self.types)
        let program = try #require(rules.programs["gas_cylinder"])
        let type = program.type
        let text = try #require(type.fields.firstIndex { $0.kind == .string })
        let record = DeviceRecord(id: "c1", type: "gas_cylinder", gateway: "g", site: "s", owner: "o", firm: "f",
                                  commissioned: Day(year: 2020, month: 1, day: 1)!, lastInspections: [:], inspectionGrade: nil,
                                  attributes: [:], origin: Origin(file: "t", line: nil))
        let directory = DeviceDirectory(types: Self.types, devices: [(1, record)], gateways: ["g"])
        let s = DeviceRuleState(device: directory.entries[0], program: program)
        #expect(s.strings.isEmpty)
        var values = [Scalar?](repeating: nil, count: type.fields.count)
        values[text] = .string("Wang Fang")
        s.apply(FieldValues(values))
        #expect(s.strings.count == type.fields.count && s.strings[text] == "Wang Fang")
        let restored = DeviceRuleState(device: directory.entries[0], program: program)
        _ = StateCodec.decode(StateCodec.encode(s), into: restored, layouts: [:])
        #expect(restored.strings[safe: text] == "Wang Fang")
        let elevator = DeviceRuleState(device: Device(rules).directory.entries[0], program: try #require(rules.programs["elevator"]))
        #expect(elevator.strings.isEmpty && elevator.attrStrings.isEmpty)
    }

    @Test("an open alarm kept in a device's state comes back whole: unset times and incident, set ones, and after a restart")
    func keptAlarmsComeBackWhole() throws {
        let rules = try RuleLoader.load(directory: Self.root + "/Rules", types: Self.types)
        let program = try #require(rules.programs["elevator"])
        let entry = Device(rules).directory.entries[0]
        let s = DeviceRuleState(device: entry, program: program)
        let rule = program.rules[0]
        let family = rule.family
        let pending = Alarm(id: 7, deviceNum: entry.num, device: entry.id, type: program.type.id, site: entry.site, firm: entry.firm,
                            rule: rule.id, family: program.families[family], pack: rule.packHash, severity: .major, state: .pending,
                            startedAt: 1_764_000_000_000, firedAt: nil, resolvedAt: nil, repeats: 0, lastAt: 1_764_000_000_500,
                            message: "轿厢困人", inputs: "{}", incidentId: nil)
        s[alarm: family] = pending
        #expect(s[alarm: family] == pending)
        var firing = pending
        firing.state = .firing
        firing.firedAt = 1_764_000_030_000
        firing.repeats = 3
        firing.incidentId = 12
        firing.inputs = #"{"speed_mps":2.5}"#
        s[alarm: family] = firing
        #expect(s[alarm: family] == firing)
        #expect(s.openAlarms == [firing])
        let restored = DeviceRuleState(device: entry, program: program)
        #expect(StateCodec.decode(StateCodec.encode(s), into: restored, layouts: [:]))
        #expect(restored[alarm: family] == firing)
        // The Chinese message comes back too.
        firing.messageZh = "E1 困人：立即救援"
        s[alarm: family] = firing
        let withChinese = DeviceRuleState(device: entry, program: program)
        #expect(StateCodec.decode(StateCodec.encode(s), into: withChinese, layouts: [:]))
        #expect(withChinese[alarm: family]?.messageZh == "E1 困人：立即救援")
        // A state written before the Chinese message (version 1: no such string after the inputs,
        // which here come 4 + 40 bytes before the end) is still read, without it.
        firing.messageZh = nil
        s[alarm: family] = firing
        var v1 = StateCodec.encode(s)
        v1[0] = 1
        v1.removeSubrange(v1.count - 44 ..< v1.count - 40)
        let old = DeviceRuleState(device: entry, program: program)
        #expect(StateCodec.decode(v1, into: old, layouts: [:]))
        #expect(old[alarm: family] == firing)
        s[alarm: family] = nil
        #expect(s[alarm: family] == nil && s.openAlarms.isEmpty)
    }

    @Test("the clock sweeps a fleet in steps: a fleet-wide silence raises at most tickStep alarms per call, and every device once")
    func clockSweepsInSteps() throws {
        let rules = try load("type: elevator\nrules:\n  - {id: silent, when: silent(60s), severity: major, message: m}\n")
        let t0 = Device.t0
        let records = (1...25).map { i in
            DeviceRecord(id: "d\(i)", type: "elevator", gateway: "g", site: "s", owner: "o", firm: "f",
                         commissioned: Day(year: 2020, month: 1, day: 1)!, lastInspections: [:], inspectionGrade: nil,
                         attributes: [:], origin: Origin(file: "t", line: nil))
        }
        let directory = DeviceDirectory(types: Self.types, devices: records.enumerated().map { (Int64($0.offset + 1), $0.element) }, gateways: ["g"])
        var o = RuleEngine.Options()
        o.tickMs = 1000
        o.tickStep = 10
        o.startedAt = t0
        let engine = RuleEngine(rules: rules, options: o)
        var out = RuleOutput()
        let type = directory.type(of: directory.entries[0])
        for e in directory.entries {
            let m = AcceptedMessage(deviceNum: e.num, entryIndex: e.index, kind: .telemetry, ts: t0, seq: nil, receivedAt: t0,
                                    values: FieldValues([Scalar?](repeating: nil, count: type.fields.count)), code: nil, data: "{}")
            engine.evaluate(m, device: e, type: type, into: &out)
        }
        #expect(out.alarms.isEmpty)
        // Everyone has been silent 2 minutes: a sweep starts, 10 devices a call.
        var raised: [Int] = []
        for k in 0..<4 {
            out = RuleOutput()
            engine.tick(now: t0 + 120_000 + Int64(k) * 20, directory: directory, into: &out)
            raised.append(out.alarms.filter { $0.transition == .raised }.count)
        }
        #expect(raised == [10, 10, 5, 0])  // the fourth call is within tickMs of the sweep's start
        #expect(Set(engine.openAlarms().map(\.deviceNum)) == Set(directory.entries.map(\.num)))
    }

    @Test("a rule's phase packs into 16 bytes and keeps every field it is given, nil and extremes included")
    func rulePhasePacking() {
        #expect(MemoryLayout<RulePhase>.stride == 16)
        #expect(RulePhase() == RulePhase(since: 0, clearSince: nil, phase: .idle, held: false))
        #expect(RulePhase().clearSince == nil)
        let times: [Int64?] = [nil, 0, 1, -1, 1_764_000_000_000, -86_400_000, (1 << 55) - 1, -(1 << 55) + 1]
        for clear in times {
            for phase in [RulePhase.Phase.idle, .pending, .firing] {
                for held in [false, true] {
                    var p = RulePhase(since: 1_764_000_123_456, clearSince: clear, phase: phase, held: held)
                    #expect(p.since == 1_764_000_123_456 && p.clearSince == clear && p.phase == phase && p.held == held)
                    // Each field changes alone.
                    p.held.toggle()
                    #expect(p.clearSince == clear && p.phase == phase && p.held == !held)
                    p.phase = .firing
                    p.clearSince = 42
                    #expect(p.clearSince == 42 && p.phase == .firing && p.held == !held && p.since == 1_764_000_123_456)
                    p.clearSince = nil
                    #expect(p.clearSince == nil && p.phase == .firing)
                }
            }
        }
        // Times beyond ±2^55 ms (a million years) are clamped, never taken for nil.
        var far = RulePhase()
        far.clearSince = .min
        #expect(far.clearSince == -(1 << 55) + 1)
        far.clearSince = .max
        #expect(far.clearSince == (1 << 55) - 1)
    }
}

private extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
