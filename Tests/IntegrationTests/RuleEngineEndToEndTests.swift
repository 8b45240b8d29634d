import BrokerProcess
import Domain
import TestSupport
import DeviceCatalog
import Foundation
import GRDB
import Inspection
import Logging
import MQTT
import Pipeline
import Rules
import Simulation
import Records
import Services
import Storage
import Testing

@Suite("Rule engine end to end (real broker, real SQLite)", .serialized)
struct RuleEngineEndToEndTests {
    static let testRules = """
        type: elevator
        rules:
          - id: test.fast
            when: speed_mps > 5
            severity: warning
            message: "{device} fast: {speed_mps}"
          - id: test.passenger
            when: passenger_in_car
            for: 3s
            severity: major
            incident: true
            message: "{device} passenger"
          - id: test.silent
            when: silent(2s)
            severity: major
            message: "{device} silent"
        """

    /// Publishes one telemetry reading (`data` is the JSON object) at QoS 1 and returns its `ts`.
    @discardableResult
    static func send(_ env: TestEnvironment, _ pub: Publisher, _ d: DeviceRecord, _ data: String, ts: Int64 = nowMs()) throws -> Int64 {
        try pub.publish(topic: env.topic(d), payload: Array("{\"ts\":\(ts),\"data\":\(data)}".utf8), qos: 1)
        return ts
    }

    @Test("injected simulator faults raise their alarms (an escalator's reversal among them), on the feed and in the store, and a healthy fleet raises nothing else")
    func simulatorFaultsRaiseExpectedAlarms() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let feed = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/alarms/#")
        defer { feed.stop() }
        let pipeline = try env.startedPipeline { try env.rulePipeline() }
        defer { pipeline.stop() }
        var options = Simulator.Options()
        options.port = env.broker.port
        options.rate = 400
        options.duration = 8
        options.faults = [(.trapped, 1), (.overspeed, 1), (.lowWater, 1), (.overPressure, 1), (.reversal, 1)]
        options.fillerCertificates = env.fillerCertificates
        let simulator = Simulator(fleet: env.catalog.fleet, options: options, logger: Logger(label: "sim"))
        try simulator.run(stop: Flag())
        let onFeed = { Set(feed.objects.compactMap { $0.json["rule"] as? String }) }
        do {
            try waitUntil(timeout: 10, "feed carries the raised alarms") {
                onFeed().isSuperset(of: ["elevator.trapped", "elevator.overspeed", "boiler.low_water", "pressure_vessel.above_design_pressure",
                                         "escalator.reversal"])
            }
        } catch {
            Issue.record("\(error); on the feed: \(onFeed().sorted()); outbox: \(try env.strings("SELECT id || ' ' || payload FROM outbox LIMIT 5")); published \(pipeline.published); alarms \(try env.count("SELECT COUNT(*) FROM alarms"))")
        }
        pipeline.stop()
        let faulted = simulator.summary.faulted
        let raised = try env.strings("SELECT d.id || ' ' || a.rule FROM alarms a JOIN devices d ON d.num = a.device_num WHERE a.fired_at IS NOT NULL")
        let expected: [String: Set<String>] = [
            "trapped": ["elevator.trapped"], "overspeed": ["elevator.overspeed"], "low_water": ["boiler.low_water"],
            "over_pressure": ["pressure_vessel.above_design_pressure", "pressure_vessel.safety_valve_lift"],
            "reversal": ["escalator.reversal"],
        ]
        // Every faulted device raised its alarms...
        for (fault, ids) in faulted {
            for id in ids { for rule in expected[fault] ?? [] { #expect(raised.contains("\(id) \(rule)"), "\(fault) on \(id): no \(rule)") } }
        }
        // ...and nothing else fired anywhere: healthy devices are quiet. The sample fleet's own
        // cylinders that must not be filled (past their service life, overdue, by the pure fill
        // check) are refused at every fill: that is the fleet's truth, not noise.
        let today = LocalDays.china.day(wallMillis())
        let stations = env.catalog.fleet.stations
        let refusedByRegistry = env.catalog.fleet.devices.filter { $0.type == "gas_cylinder" }.filter { d in
            guard let station = stations.first(where: { $0.gateways.contains(d.gateway) }) else { return false }
            let c = FillCheck.Cylinder(commissioned: d.commissioned, lastInspections: d.lastInspections, grade: d.inspectionGrade,
                                       failedInspections: [:], attributes: d.attributes)
            return !FillCheck.findings(c, type: env.catalog.types["gas_cylinder"]!, station: station, fill: [:], today: today).isEmpty
        }.map { "\($0.id) gas_cylinder.fill_refused" }
        // Likewise the fleet's devices that must not be used and that the simulator runs anyway:
        // using them is a violation the rules report (Special Equipment Safety Law art. 40).
        let usedWhileForbidden = env.catalog.fleet.devices.filter { d in
            guard let type = env.catalog.types[d.type] else { return false }
            return Compliance.mustNotUse(d, type: type, today: today) != nil
        }.map { "\($0.id) \($0.type).used_while_forbidden" }
        let allowed = Set(faulted.flatMap { f, ids in ids.flatMap { id in (expected[f] ?? []).map { "\(id) \($0)" } } } + refusedByRegistry
                          + usedWhileForbidden)
        let unexpected = raised.filter { !allowed.contains($0) }
        #expect(unexpected.isEmpty, "unexpected alarms: \(unexpected)")
        // The trapped and over-pressure alarms opened incidents with a timeline.
        #expect(try env.count("SELECT COUNT(*) FROM incidents") >= 3)
        #expect(try env.count("SELECT COUNT(*) FROM incident_timeline WHERE kind = 'opened'") >= 3)
        // Published feed messages carry the rule's pack version and the inputs.
        let trapped = feed.objects.first { $0.json["rule"] as? String == "elevator.overspeed" }
        #expect(trapped?.topic == "equipwatch/v1/alarms/elevator")
        #expect((trapped?.json["pack"] as? String)?.count == 16)
        #expect((trapped?.json["inputs"] as? [String: Any])?["attr.rated_speed_mps"] != nil)
        // Everything published was deleted from the outbox.
        try waitUntil(timeout: 5, "outbox drained") { try env.count("SELECT COUNT(*) FROM outbox") == 0 }
    }

    @Test("silent() fires on the clock with no traffic at all, and the next message resolves it")
    func silentFiresWithoutTraffic() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let rules = try rulesFolder(["elevator.yaml": Self.testRules])
        let pipeline = try env.startedPipeline { try env.rulePipeline(rulesDirectory: rules) }
        defer { pipeline.stop() }
        let d = env.device("elevator")
        let pub = try env.publisher()
        let ts = try Self.send(env, pub, d, #"{"speed_mps":1}"#)
        try waitUntil(timeout: 10, "silent alarm firing") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.silent' AND state = 'firing'") == 1
        }
        // Fired by the clock 2 s after the last reading (within one tick and a commit), not earlier.
        let fired = try env.int64s("SELECT fired_at FROM alarms WHERE rule = 'test.silent'")
        #expect(fired.count == 1 && (ts + 2000...ts + 2600).contains(fired[0]), "fired \(fired.map { $0 - ts }) ms after the reading")
        try Self.send(env, pub, d, #"{"speed_mps":1}"#)
        try waitUntil(timeout: 5, "silent alarm resolved") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.silent' AND state = 'resolved'") == 1
        }
    }

    @Test("a restart neither loses a pending timer nor re-raises a firing alarm")
    func restartKeepsRuleState() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let rules = try rulesFolder(["elevator.yaml": Self.testRules.replacingOccurrences(of: "silent(2s)", with: "silent(1h)")])
        let d = env.device("elevator")
        let pub = try env.publisher()
        var first = try env.startedPipeline { try env.rulePipeline(rulesDirectory: rules) }
        try Self.send(env, pub, d, #"{"speed_mps":6,"passenger_in_car":true}"#)
        try waitUntil(timeout: 5, "fast alarm firing, passenger pending") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.fast' AND state = 'firing'") == 1
                && env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.passenger' AND state = 'pending'") == 1
        }
        first.stop()
        first = try env.startedPipeline { try env.rulePipeline(rulesDirectory: rules) }
        defer { first.stop() }
        // No message after the restart: the pending timer alone must fire, 3 s after it started.
        try waitUntil(timeout: 8, "passenger alarm fired after the restart") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.passenger' AND state = 'firing'") == 1
        }
        #expect(try env.int64s("SELECT fired_at - started_at FROM alarms WHERE rule = 'test.passenger'") == [3000])
        #expect(try env.count("SELECT COUNT(*) FROM incidents WHERE rule = 'test.passenger'") == 1)
        // The same reading again is a repeat of the open alarm, not a second alarm.
        // The same condition after the restart continues the open alarm: no second alarm.
        try Self.send(env, pub, d, #"{"speed_mps":6.5}"#)
        // The rules' decisions on a reading are committed with it: once it is stored, so is any alarm.
        try waitUntil(timeout: 5, "reading stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 2 }
        #expect(try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.fast'") == 1)
        #expect(try env.strings("SELECT state FROM alarms WHERE rule = 'test.fast'") == ["firing"])
    }

    @Test("hot reload keeps alarms of rules that still exist; a broken pack is rejected and the old rules keep running")
    func hotReloadKeepsState() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let rules = try rulesFolder(["elevator.yaml": Self.testRules])
        let pipeline = try env.startedPipeline { try env.rulePipeline(rulesDirectory: rules) }
        defer { pipeline.stop() }
        let d = env.device("elevator")
        let pub = try env.publisher()
        // Each reading 10 ms after the previous one, by its timestamp (no waiting).
        var ts = nowMs() - 1000
        func send(_ data: String) throws {
            ts += 10
            _ = try Self.send(env, pub, d, data, ts: ts)
        }
        try send(#"{"speed_mps":6}"#)
        try waitUntil(timeout: 5, "fast alarm firing") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.fast' AND state = 'firing'") == 1
        }
        let id = try env.int64s("SELECT id FROM alarms WHERE rule = 'test.fast'")

        // A broken pack: rejected with file, line and column; nothing changes.
        try "type: elevator\nrules:\n  - id: test.fast\n    when: sped_mps > 5\n    severity: warning\n    message: x\n"
            .write(toFile: rules + "/elevator.yaml", atomically: true, encoding: .utf8)
        #expect {
            try RulesSync.load(rulesDirectory: rules, types: env.catalog.types, store: env.store)
        } throws: { "\($0)".contains("elevator.yaml:4:11: rule 'test.fast' when: field 'sped_mps' is not declared") }

        // A valid new version: test.fast kept (same alarm), a new rule added.
        try (Self.testRules + """

              - id: test.slow
                when: speed_mps < 1
                severity: info
                message: slow
            """).write(toFile: rules + "/elevator.yaml", atomically: true, encoding: .utf8)
        pipeline.reload(rules: try RulesSync.load(rulesDirectory: rules, types: env.catalog.types, store: env.store))
        try waitUntil(timeout: 5, "the worker took the new rules") { !pipeline.rulesReloadPending }
        try send(#"{"speed_mps":0.5}"#)
        try waitUntil(timeout: 5, "new rule fires") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.slow' AND state = 'firing'") == 1
        }
        // test.fast cleared on the same reading: the same alarm row was resolved, not a new one.
        try waitUntil(timeout: 5, "fast alarm resolved") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.fast' AND state = 'resolved'") == 1
        }
        #expect(try env.int64s("SELECT id FROM alarms WHERE rule = 'test.fast'") == id)
        #expect(try env.count("SELECT COUNT(DISTINCT pack) FROM alarms") == 2)
    }

    @Test("an acknowledgement is stored with who and when and goes out on the feed")
    func acknowledgementIsPublished() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let feed = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/alarms/#")
        defer { feed.stop() }
        let rules = try rulesFolder(["elevator.yaml": Self.testRules])
        let pipeline = try env.startedPipeline { try env.rulePipeline(rulesDirectory: rules) }
        defer { pipeline.stop() }
        let pub = try env.publisher()
        try Self.send(env, pub, env.device("elevator"), #"{"speed_mps":6}"#)
        try waitUntil(timeout: 5, "alarm") { try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'test.fast'") == 1 }
        let id = try env.int64s("SELECT id FROM alarms WHERE rule = 'test.fast'")[0]
        #expect(try env.store.acknowledge(alarm: id, by: "officer-li", at: nowMs(), topics: Topics()) == .acknowledged)
        if case .alreadyAcknowledged(let by, _) = try env.store.acknowledge(alarm: id, by: "someone-else", at: nowMs(), topics: Topics()) {
            #expect(by == "officer-li")
        } else {
            Issue.record("a second acknowledgement must keep the first")
        }
        try waitUntil(timeout: 5, "acknowledged on the feed") {
            feed.objects.contains { $0.json["transition"] as? String == "acknowledged" && $0.json["acked_by"] as? String == "officer-li" }
        }
    }

    @Test("an elevator that must not be used reporting trips raises one major alarm with an incident; one that may be used raises none")
    func useWhileForbidden() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline { try env.rulePipeline() }
        defer { _ = pipeline.stop() }
        let today = LocalDays.china.day(wallMillis())
        let elevators = env.catalog.fleet.devices.filter { $0.type == "elevator" }
        let forbidden = try #require(elevators.first { Compliance.mustNotUse($0, type: env.catalog.types["elevator"]!, today: today) != nil })
        let allowed = try #require(elevators.first { Compliance.mustNotUse($0, type: env.catalog.types["elevator"]!, today: today) == nil })
        let pub = try env.publisher()
        defer { pub.stop() }
        let t0 = nowMs()
        for d in [forbidden, allowed] {
            for (i, moving) in [false, true, false, true].enumerated() {
                try pub.publish(topic: env.topic(d), payload: Array(#"{"ts":\#(t0 + Int64(i) * 1000),"data":{"moving":\#(moving)}}"#.utf8), qos: 1)
            }
        }
        try waitUntil(timeout: 10, "the forbidden elevator's trips alarmed") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'elevator.used_while_forbidden'") >= 1
        }
        try waitUntil(timeout: 10, "both devices' messages stored") {
            try env.count("SELECT COUNT(DISTINCT device_num) FROM readings") >= 2
        }
        let rows = try env.store.sqlRows("""
            SELECT d.id, a.severity, a.repeats, a.incident_id FROM alarms a JOIN devices d ON d.num = a.device_num
            WHERE a.rule = 'elevator.used_while_forbidden'
            """)
        #expect(rows.count == 1)
        #expect(rows.first?["id"] == forbidden.id)
        #expect(rows.first?["severity"] == "major")
        #expect((rows.first?["incident_id"] ?? nil) != nil)
    }
}
