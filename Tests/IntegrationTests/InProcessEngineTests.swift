import Domain
import Foundation
import Pipeline
import Storage
import Testing
import TestSupport

/// The ingest engine without a broker: the worker, the rule engine and the commit, fed through
/// the transport seam by an in-process transport. The same guarantees as over MQTT (the
/// end-to-end suites check those with mosquitto).
@Suite("Ingest engine in-process (no broker, real SQLite)")
struct InProcessEngineTests {
    @Test("readings, a dead letter and an alarm go through the worker to the store with no broker running")
    func engineWithoutBroker() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let transport = InProcessTransport()
        let pipeline = try env.rulePipeline(transport: transport.maker)
        pipeline.start()
        #expect(transport.subscriptions.contains { $0.hasSuffix("/#") || $0.contains("+") })
        let lift = env.device("elevator")
        let topic = env.topic(lift)
        transport.deliver(topic: topic, payload: telemetry(lift, seq: 1))
        transport.deliver(topic: topic, payload: "{\"seq\": 2, \"ts\": ")   // cut off: malformed
        // An overspeed (the sample lifts are rated 1.0 to 2.5 m/s; 9 m/s is over any of them).
        let fast = telemetry(lift, seq: 3).replacingOccurrences(of: "\"speed_mps\":1.2", with: "\"speed_mps\":9")
        transport.deliver(topic: topic, payload: fast)
        try waitUntil(timeout: 20, "two readings, one dead letter and the overspeed alarm committed") {
            try env.count("SELECT COUNT(*) FROM readings_flat") == 2
                && env.count("SELECT COUNT(*) FROM dead_letters") == 1
                && env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'elevator.overspeed'") == 1
        }
        #expect(try env.strings("SELECT reason FROM dead_letters") == [DeadLetterReason.malformedJSON.rawValue])
        #expect(pipeline.stop())
        #expect(!env.brokerIsRunning, "no mosquitto was started for this test")
    }
}
