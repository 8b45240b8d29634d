import Settings
import Logging
import Domain
import TestSupport
import DeviceCatalog
import Foundation
import Ingest
import MQTT
import Pipeline
import Records
import Services
import Storage
import Testing
import BrokerProcess

/// Nothing the broker accepted is lost: across broker restarts, pipeline downtime and SIGTERM.
@Suite(.serialized) struct ResilienceTests {
    /// Publishes `count` telemetry messages for `device` at QoS 1 on a background thread, recording
    /// which sequence numbers the broker acknowledged. Retries a publish while the broker is away.
    final class LoadPublisher: @unchecked Sendable {
        let ledger = AckLedger()
        let done = DispatchSemaphore(value: 0)
        let publisher: Publisher
        let stopFlag = Flag()

        init(env: TestEnvironment, device: DeviceRecord, count: Int, perSecond: Double) throws {
            let ledger = ledger
            publisher = try env.publisher(window: 100, onAck: { mid in ledger.ack(mid) })
            let topic = env.topic(device)
            Thread { [self] in
                let start = Date()
                var seq = 1
                while seq <= count, !stopFlag.value {
                    let due = Int(Date().timeIntervalSince(start) * perSecond)
                    if seq > due { Thread.sleep(forTimeInterval: 0.002); continue }
                    do {
                        let mid = try publisher.publish(topic: topic, payload: Array(telemetry(device, seq: UInt64(seq)).utf8), qos: 1)
                        ledger.published(mid: mid, seq: Int64(seq))
                        seq += 1
                    } catch {
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                }
                done.signal()
            }.start()
        }

        func finish(timeout: Double) {
            _ = done.wait(timeout: .now() + timeout)
            _ = publisher.flush(timeout: timeout)
            publisher.stop()
        }
    }

    @Test func aBrokerRestartUnderQoS1LoadLosesNothingTheBrokerAccepted() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let d = env.device("elevator", 3)
        let load = try LoadPublisher(env: env, device: d, count: 3000, perSecond: 1500)
        Thread.sleep(forTimeInterval: 0.8)
        try env.broker.restart()
        load.finish(timeout: 30)
        let acked = load.ledger.ackedSeqs
        #expect(acked.count > 1000)
        try waitUntil(timeout: 30, "every acknowledged message stored") {
            Set(try env.int64s("SELECT seq FROM readings_flat")).isSuperset(of: acked)
        }
        #expect(pipeline.connects >= 2)
    }

    @Test func messagesPublishedWhileThePipelineIsDownAreStoredWhenItReturns() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        // First run creates the persistent session at the broker.
        try env.startedPipeline().stop()
        let publisher = try env.publisher()
        let d = env.device("pressure_vessel")
        for seq in 1...500 { try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: UInt64(seq)).utf8), qos: 1) }
        #expect(publisher.flush(timeout: 10))
        publisher.stop()
        #expect(try env.count("SELECT COUNT(*) FROM readings_flat") == 0)
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        try waitUntil(timeout: 20, "500 queued messages") { try env.count("SELECT COUNT(*) FROM readings_flat") == 500 }
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE code = 'seq_gap'") == 0)
    }

    @Test func sigtermUnderLoadExitsZeroAndKeepsEverythingItAcknowledged() throws {
        let env = try TestEnvironment(clientId: "equipwatch-sigterm-test")
        defer { env.close() }
        let binary = try equipwatchBinary()
        let log = env.directory + "/run.log"
        let args = ["run", "--broker", "127.0.0.1:\(env.broker.port)"] + env.storeArguments + [
                    "--devices", env.settings.devicesDirectory, "--config", try writeConfig(env)]
        let pid = try spawn(binary, args, stdout: log)
        try waitUntil(timeout: 20, "pipeline connected") {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains("connected to the broker") == true
        }
        let d = env.device("elevator", 5)
        let load = try LoadPublisher(env: env, device: d, count: 20_000, perSecond: 4000)
        Thread.sleep(forTimeInterval: 1.5)
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(30)
        var exited = false
        while Date() < deadline, !exited {
            exited = waitpid(pid, &status, WNOHANG) == pid
            if !exited { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(exited, "equipwatch run did not exit within 30 s of SIGTERM")
        #expect(exited && (status & 0x7f) == 0 && (status >> 8) & 0xff == 0, "exit status \(status)")
        load.stopFlag.set(true)
        load.finish(timeout: 20)
        let acked = load.ledger.ackedSeqs
        let stored = Set(try env.int64s("SELECT seq FROM readings_flat"))
        #expect(!stored.isEmpty)
        // What the broker still holds for the pipeline's session was not acknowledged by it.
        let remaining = try drainSession(env)
        let missing = acked.subtracting(stored).subtracting(remaining)
        #expect(missing.isEmpty, "acknowledged by the broker but neither stored nor still queued: \(missing.sorted().prefix(20))")
    }

    @Test("kill -9 while a 20,000-message backlog drains loses at most store.max_uncommitted messages, each visible as a gap")
    func killWhileDrainingABacklogLosesAtMostOneCommit() throws {
        let env = try TestEnvironment(clientId: "equipwatch-kill9-test")
        defer { env.close() }
        try env.startedPipeline().stop()  // creates the persistent session at the broker
        let d = env.device("pressure_vessel", 2)
        let total = 20_000
        let t = nowMs() - 3_600_000
        let pub = try env.publisher(window: 1000)
        for seq in 1...total { try pub.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: UInt64(seq), ts: t + Int64(seq)).utf8), qos: 1) }
        #expect(pub.flush(timeout: 60))
        let bound = 500
        let config = env.directory + "/equipwatch.yaml"
        try """
            broker:
              client_id: \(env.settings.broker.clientId)
            store:
              commit_max_rows: \(bound)
              max_uncommitted: \(bound)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let pid = try spawn(try equipwatchBinary(), ["run", "--broker", "127.0.0.1:\(env.broker.port)"] + env.storeArguments + [
                                                     "--devices", env.settings.devicesDirectory, "--config", config],
                            stdout: env.directory + "/run.log")
        try waitUntil(timeout: 60, "the backlog draining") { try env.count("SELECT COUNT(*) FROM readings_flat") >= 2000 }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let beforeRestart = try env.count("SELECT COUNT(*) FROM readings_flat")
        #expect(beforeRestart < Int64(total), "the backlog had drained before the kill; the test proves nothing")
        // Restart; a marker published now arrives after everything still queued for the session.
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        try pub.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: UInt64(total + 1), ts: t + Int64(total + 1)).utf8), qos: 1)
        #expect(pub.flush(timeout: 10))
        pub.stop()
        try waitUntil(timeout: 60, "the marker after the backlog") {
            try env.count("SELECT COUNT(*) FROM readings_flat WHERE seq = \(total + 1)") == 1
        }
        let stored = try env.count("SELECT COUNT(DISTINCT seq) FROM readings_flat WHERE seq <= \(total)")
        let lost = Int64(total) - stored
        #expect(lost <= Int64(bound), "lost \(lost) acknowledged messages, more than max_uncommitted \(bound)")
        // Every loss shows up as a sequence gap once the device speaks again.
        let gaps = try env.count("SELECT COALESCE(SUM(\(TestSQL.jsonNumber("data", "missing"))), 0) FROM events WHERE code = 'seq_gap'")
        #expect(gaps == lost)
    }

    /// Connects as the pipeline's own session and collects the sequence numbers still queued.
    func drainSession(_ env: TestEnvironment) throws -> Set<Int64> {
        let seen = SeqCollector()
        var options = MQTTOptions(host: "127.0.0.1", port: env.broker.port, clientId: env.settings.broker.clientId, cleanSession: false)
        options.keepaliveSeconds = 10
        let loop = try SubscriberLoop(config: .init(options: options, subscriptions: ["equipwatch/v1/+/+/+"], qos: 1),
                                      logger: .init(label: "drain"),
                                      message: { _, payload in seen.add(payload) })
        loop.start()
        try waitUntil(timeout: 10, "drain connected") { loop.isConnected }
        var last = -1
        while seen.count != last {
            last = seen.count
            Thread.sleep(forTimeInterval: 0.5)
        }
        loop.stop()
        loop.disconnect()
        return seen.values
    }

    func writeConfig(_ env: TestEnvironment) throws -> String {
        let path = env.directory + "/equipwatch.yaml"
        try "broker:\n  client_id: \(env.settings.broker.clientId)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

final class SeqCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var seqs: Set<Int64> = []
    private var n = 0
    func add(_ payload: UnsafeRawBufferPointer) {
        let seq = (try? JSONReader.parse(payload))?["seq"]
        lock.withLock {
            n += 1
            if case .int(let s)? = seq { seqs.insert(s) }
        }
    }
    var count: Int { lock.withLock { n } }
    var values: Set<Int64> { lock.withLock { seqs } }
}
