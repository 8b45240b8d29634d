import DeviceCatalog
import Domain
import Foundation
import MQTT
import Services
import SourceFiles

/// One share of a live step's messages, published by a process of its own.
///
/// Why processes: one paced publisher in the bench's process topped out near 40 k msg/s (its
/// thread builds, paces and hands every message to libmosquitto), below what the bare subscriber
/// keeps up with, so the live phase measured the publisher rather than the consumers. The
/// step's messages are split between `parts` processes (`equipwatch bench publish-part`, which the
/// bench starts itself): message i goes out from part i mod parts, at its scheduled time
/// `startAt + i / rate` on the machine's monotonic clock (the same clock in every process), as
/// the same device and sequence number as a single publisher would send it. A part reports the
/// time each of its messages went out (its publish time, as the single publisher records it)
/// and how late it finished, which marks the step "publisher lagged".
public struct LivePart: Sendable {
    public var port: Int
    public var rate: Double
    public var seconds: Double
    /// Monotonic nanoseconds (`CLOCK_MONOTONIC`) of message 0's scheduled time.
    public var startAt: UInt64
    public var part: Int
    public var parts: Int
    /// The `ts` of the first messages (wall milliseconds); it moves on a millisecond every 1000.
    public var ts: Int64
    public var devicesDirectory: String

    public init(port: Int, rate: Double, seconds: Double, startAt: UInt64, part: Int, parts: Int, ts: Int64, devicesDirectory: String) {
        (self.port, self.rate, self.seconds, self.startAt) = (port, rate, seconds, startAt)
        (self.part, self.parts, self.ts, self.devicesDirectory) = (part, parts, ts, devicesDirectory)
    }

    /// The messages of the whole step.
    var total: Int { Int(rate * seconds) }

    /// Message `i`'s scheduled time.
    func due(_ i: Int) -> UInt64 { startAt + UInt64(Double(i) / rate * 1e9) }

    /// The arguments `publish-part` takes for this part.
    public var arguments: [String] {
        ["--port", "\(port)", "--rate", "\(rate)", "--seconds", "\(seconds)", "--start-at", "\(startAt)",
         "--part", "\(part)", "--parts", "\(parts)", "--ts", "\(ts)", "--devices", devicesDirectory]
    }

    /// What a part reports: a line `published N late_ms X`, then the N publish times (monotonic
    /// nanoseconds, 8 bytes each, in the machine's byte order) of messages part, part + parts, ….
    public struct Report: Sendable, Equatable {
        /// When each of the part's messages went out.
        public var publishedAt: [UInt64]
        /// How long after the step's last scheduled time this part's last message went out.
        public var lateMs: Double

        public init(publishedAt: [UInt64], lateMs: Double) { (self.publishedAt, self.lateMs) = (publishedAt, lateMs) }

        public var encoded: Data {
            var d = Data(String(format: "published %d late_ms %.1f\n", publishedAt.count, lateMs).utf8)
            publishedAt.withUnsafeBytes { d.append(contentsOf: $0) }
            return d
        }

        /// What `encoded` wrote; nil when it is not that.
        public init?(_ data: Data) {
            guard let newline = data.firstIndex(of: 0x0A) else { return nil }
            let words = String(decoding: data[data.startIndex..<newline], as: UTF8.self).split(separator: " ")
            guard words.count == 4, words[0] == "published", words[2] == "late_ms", let n = Int(words[1]), let late = Double(words[3]) else { return nil }
            let times = data[(newline + 1)...]
            guard times.count == n * 8 else { return nil }
            var at = [UInt64](repeating: 0, count: n)
            at.withUnsafeMutableBytes { _ = times.copyBytes(to: $0) }
            (publishedAt, lateMs) = (at, late)
        }
    }

    /// Publishes this part's messages at their scheduled times (QoS 1), waits for their
    /// acknowledgements, and says how it went (what `publish-part` prints).
    public func publish() throws -> Report {
        let catalog = try Catalog.load(directory: devicesDirectory)
        // The order `Rig` gives the fleet: message i is device i mod count's.
        let devices = catalog.fleet.devices.sorted { $0.id < $1.id }
        var publishedAt: [UInt64] = []
        publishedAt.reserveCapacity(total / parts + 1)
        let late = try publish(devices: devices) { _, at in publishedAt.append(at) }
        return Report(publishedAt: publishedAt, lateMs: late)
    }

    /// Publishes messages part, part + parts, … of the step to `devices` (in `Rig`'s order),
    /// each at its scheduled time, `record`ing (index, time) as each goes out; waits for the
    /// acknowledgements. Returns how many milliseconds after the step's last scheduled time its
    /// last message went out.
    ///
    /// Paced in bursts: whatever is due goes out at once, then the thread sleeps until the next
    /// message is due (at most 1 ms). A sleep a message cost a system call and a wake-up each,
    /// on the cores the broker and the consumer need.
    func publish(devices: [DeviceRecord], record: (Int, UInt64) -> Void) throws -> Double {
        let publisher = try Publisher(options: MQTTOptions(host: "127.0.0.1", port: port, clientId: "bench-live-pub-\(part)", cleanSession: true),
                                      window: 1000)
        try publisher.start()
        defer { publisher.stop() }
        let topics = devices.map { "equipwatch/v1/\($0.gateway)/\($0.id)/telemetry" }
        var i = part
        while i < total {
            var now = monotonicNanos()
            let next = due(i)
            if now < next {
                usleep(UInt32(min(1000, (next - now) / 1000)))
                continue
            }
            while i < total, due(i) <= now {
                let k = i % devices.count
                let payload = BenchPayloads.telemetry(devices[k], seq: i / devices.count + 1, ts: ts + Int64(i / 1000))
                record(i, now)
                try publisher.publish(topic: topics[k], payload: Array(payload.utf8), qos: 1)
                i += parts
                now = monotonicNanos()
            }
        }
        let finished = monotonicNanos()
        _ = publisher.flush(timeout: 30)
        let last = due(max(0, total - 1))
        return finished > last ? Double(finished - last) / 1e6 : 0
    }
}

extension Benchmark {
    /// Runs a live step's publishing in `options.livePublishers` processes; returns whether any
    /// of them finished more than a tenth of the step late (the publishers, not the consumer,
    /// could not offer the rate). Every message's publish time, as its part reports it, goes
    /// into `sent`.
    func publishInProcesses(port: Int, rate: Double, seconds: Double, ts: Int64, sent: CommitLedger) throws -> Bool {
        guard let command = options.livePublisherCommand else { throw BenchError("live publishers: no command to start them with") }
        let parts = options.livePublishers
        // Time for the processes to start, load the fleet and connect before the first message.
        let startAt = monotonicNanos() + 2_000_000_000
        var step = LivePart(port: port, rate: rate, seconds: seconds, startAt: startAt, part: 0, parts: parts, ts: ts,
                            devicesDirectory: options.devicesDirectory)
        var running: [(Process, Pipe)] = []
        for part in 0..<parts {
            step.part = part
            let p = Process()
            p.executableURL = URL(fileURLWithPath: command[0])
            p.arguments = Array(command.dropFirst()) + step.arguments
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            running.append((p, pipe))
        }
        var lagged = false
        var problems: [String] = []
        for (part, (p, pipe)) in running.enumerated() {
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0, let report = LivePart.Report(output) else {
                problems.append("part \(part) exited \(p.terminationStatus): \(String(decoding: output.prefix(200), as: UTF8.self))")
                continue
            }
            for (k, at) in report.publishedAt.enumerated() { sent.published(index: part + k * parts, at: at) }
            if report.lateMs > seconds * 100 { lagged = true }  // a tenth of the step, in ms
        }
        guard problems.isEmpty else { throw BenchError("live publishers: " + problems.joined(separator: "; ")) }
        return lagged
    }
}

/// A bench phase that could not run, and why.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
