import Bench
import BrokerProcess
import DeviceCatalog
import Domain
import Foundation
import Logging
import MQTT
import Services
import SourceFiles
import Synchronization
import Testing
import TestSupport

/// The bench's live phase published from processes of their own (`equipwatch bench
/// publish-part`, issue 35): the parts together send exactly the step's messages, each once, as
/// the devices and sequence numbers one publisher would, none before its scheduled time.
@Suite("Live bench publishers in processes of their own (real broker, real processes)")
struct LivePublishersTests {
    @Test("two publish-part processes send the step's messages between them, each once and not before it is due")
    func partsSplitTheStep() throws {
        let broker = try LocalBroker(persistence: false, maxInflight: 1000)
        defer { broker.stop() }
        let received = Mutex<[String: Int]>([:])
        let loop = try SubscriberLoop(config: .init(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientId: "live-parts-test", cleanSession: true),
                                                    subscriptions: ["equipwatch/v1/+/+/+"], qos: 1),
                                      logger: Logger(label: "live-parts-test")) { topic, payload in
            let device = String(decoding: topic, as: UTF8.self).split(separator: "/")[3]
            let text = String(decoding: payload, as: UTF8.self)
            let seq = text.components(separatedBy: "\"seq\":")[1].prefix { $0.isNumber }
            received.withLock { $0["\(device)#\(seq)", default: 0] += 1 }
        }
        loop.start()
        defer { loop.stop(); loop.disconnect() }
        try waitUntil(timeout: 10, "the subscriber's SUBACK") { loop.isSubscribed }

        let devicesDirectory = repositoryRoot + "/Devices"
        let devices = try Catalog.load(directory: devicesDirectory).fleet.devices.sorted { $0.id < $1.id }
        let (rate, seconds, parts) = (2000.0, 1.0, 2)
        let startAt = monotonicNanos() + 3_000_000_000
        let step = LivePart(port: broker.port, rate: rate, seconds: seconds, startAt: startAt, part: 0, parts: parts, ts: nowMs(),
                            devicesDirectory: devicesDirectory)
        let outputs = (0..<parts).map { NSTemporaryDirectory() + "ew-live-part-\(UUID().uuidString)-\($0)" }
        defer { for o in outputs { try? FileManager.default.removeItem(atPath: o) } }
        var pids: [pid_t] = []
        for part in 0..<parts {
            var p = step
            p.part = part
            pids.append(try spawn(try equipwatchBinary(), ["bench", "publish-part"] + p.arguments, stdout: outputs[part]))
        }
        for (part, pid) in pids.enumerated() {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            #expect(status == 0, "part \(part) exited \(status)")
            let report = try #require(LivePart.Report(try Data(contentsOf: URL(fileURLWithPath: outputs[part]))), "part \(part)'s report")
            #expect(report.publishedAt.count == 1000)
            for (k, at) in report.publishedAt.enumerated() {
                let i = part + k * parts
                #expect(at >= startAt + UInt64(Double(i) / rate * 1e9), "message \(i) went out before it was due")
            }
        }
        let expected = Set((0..<2000).map { "\(devices[$0 % devices.count].id)#\($0 / devices.count + 1)" })
        try waitUntil(timeout: 20, "the step's 2000 messages") { received.withLock { $0.count } >= expected.count }
        let got = received.withLock { $0 }
        #expect(Set(got.keys) == expected)
        #expect(got.values.allSatisfy { $0 == 1 }, "a message arrived twice")
    }
}
