import Settings
import BrokerProcess
import Domain
import Logging
import MQTT
import Foundation
import GRDB
@testable import Pipeline
import Records
import Services
import Storage
import Testing
import TestSupport

/// Silence while EquipWatch itself is not receiving (its broker down, its store failing, its own
/// backlog) is not the devices' fault: no "monitoring lost" alarm, no monitoring gap, and the
/// outage recorded once for supervisors.
@Suite("The pipeline's own troubles are named, not blamed on the devices", .serialized)
struct OwnOutageTests {
    @Test("the reception watch: an outage starts at the first failing part, keeps its cause, ends when all are well; silence counts again after the grace")
    func receptionWatch() {
        var w = ReceptionWatch(graceMs: 30_000)
        #expect(w.observe(brokerDownSince: nil, storeFailingSince: nil, backlogMs: 0, now: 1000) == nil)
        #expect(w.observe(brokerDownSince: nil, storeFailingSince: nil, backlogMs: 30_000, now: 2000) == nil)   // at the grace: fine
        #expect(w.observe(brokerDownSince: 2500, storeFailingSince: nil, backlogMs: 0, now: 3000) == nil)   // a reconnect, not yet an outage
        let lost = w.observe(brokerDownSince: 2500, storeFailingSince: nil, backlogMs: 0, now: 4500)
        #expect(lost == .lost(.broker, since: 2500))
        #expect(w.hearingFrom(after: lost!) == .max)
        // The store fails too while the broker is down: the same outage, its first cause.
        #expect(w.observe(brokerDownSince: nil, storeFailingSince: 3500, backlogMs: 0, now: 4000) == nil)
        let regained = w.observe(brokerDownSince: nil, storeFailingSince: nil, backlogMs: 0, now: 9000)
        #expect(regained == .regained(.broker, since: 2500, at: 9000))
        #expect(w.hearingFrom(after: regained!) == 39_000)
        // A backlog older than the grace is an outage of its own, from when its messages arrived.
        #expect(w.observe(brokerDownSince: nil, storeFailingSince: nil, backlogMs: 45_000, now: 100_000) == .lost(.backlog, since: 55_000))
    }

    @Test("broker stopped 6 s with silent(3s): no silence alarm during it, none before the grace and the window have passed after it, one outage row; a device that stays silent is then reported")
    func brokerOutage() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        env.settings.rules.outageGrace = .seconds(3)
        let rules = env.directory + "/outage-rules"
        try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
        try """
            type: elevator
            rules:
              - {id: test.silent, when: silent(3s), clear_when: "not silent(3s)", severity: major, message: "{device} silent"}
            """.write(toFile: rules + "/t.yaml", atomically: true, encoding: .utf8)
        // A 3 s window: the devices' last readings, then stopping the broker (mosquitto saves its
        // persistence first), must fit in it, or the silence is the devices' before the outage.
        let pipeline = try env.startedPipeline { try env.rulePipeline(rulesDirectory: rules) }
        defer { pipeline.stop() }
        let speaks = env.device("elevator", 1), quiet = env.device("elevator", 2)
        func send(_ d: DeviceRecord) throws {
            let pub = try env.publisher()
            defer { pub.stop() }
            try pub.publish(topic: env.topic(d), payload: Array(#"{"ts":\#(nowMs()),"data":{"moving":false}}"#.utf8), qos: 1)
            _ = pub.flush(timeout: 5)
        }
        func silenced() throws -> Set<String> {
            Set(try env.strings("SELECT d.id FROM alarms a JOIN devices d ON d.num = a.device_num WHERE a.rule = 'test.silent' AND a.fired_at IS NOT NULL"))
        }
        try send(speaks)
        try send(quiet)
        try waitUntil(timeout: 10, "both readings stored") { try env.count("SELECT COUNT(*) FROM readings_flat") >= 2 }
        env.broker.stop()
        try waitUntil(timeout: 10, "the pipeline knows its broker is gone") { pipeline.disconnectedSince != nil }
        try waitUntil(timeout: 10, "the outage is recorded") { try env.count("SELECT COUNT(*) FROM pipeline_outages WHERE ended_at IS NULL") == 1 }
        Thread.sleep(forTimeInterval: 6)   // twice the silence window, with no broker: the outage itself is what is awaited
        #expect(try silenced().isEmpty, "silence alarms during the pipeline's own outage")
        try env.broker.start()
        try waitUntil(timeout: 30, "subscribed again") { pipeline.isSubscribed && pipeline.disconnectedSince == nil }
        try send(speaks)
        try waitUntil(timeout: 10, "the outage ended, once") {
            try env.count("SELECT COUNT(*) FROM pipeline_outages WHERE cause = 'broker' AND ended_at IS NOT NULL") == 1
        }
        // The quiet device stays silent past the grace (3 s) and its window (3 s): that silence is its own.
        try waitUntil(timeout: 15, "the quiet device reported silent after the grace") { try silenced().contains(quiet.id) }
        #expect(try env.count("SELECT COUNT(*) FROM pipeline_outages") == 1)
        let outage = try #require(try env.store.outages(now: wallMillis()).first)
        #expect(outage.cause == .broker && outage.seconds >= 6)
        let fired = try env.int64s("SELECT a.fired_at FROM alarms a WHERE a.rule = 'test.silent'")
        let ended = try #require(outage.endedAt?.millis)
        #expect(fired.allSatisfy { $0 >= ended + 3000 + 3000 - 50 }, "fired \(fired), outage ended \(ended)")
    }

    @Test("another client with the pipeline's client id is named as the cause: the takeover pattern is detected and reported, not just a lost connection")
    func sessionTakeoverDetected() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        #expect(pipeline.sessionTakenOverAt == nil)
        // An intruder (or a second instance configured alike) with the same client id, reconnecting as fast as it can.
        var logger = Logger(label: "intruder")
        logger.logLevel = .critical
        var options = MQTTOptions(host: "127.0.0.1", port: env.broker.port, clientId: env.settings.broker.clientId, cleanSession: false)
        options.keepaliveSeconds = 5
        var config = SubscriberLoop.Config(options: options, subscriptions: ["equipwatch/v1/#"], qos: 1)
        config.reconnectMin = 0.05
        config.reconnectMax = 0.2
        let intruder = try SubscriberLoop(config: config, logger: logger, message: { _, _ in })
        intruder.start()
        defer { intruder.stop(); intruder.disconnect() }
        try waitUntil(timeout: 30, "the takeover named") { pipeline.sessionTakenOverAt != nil }
    }
}
