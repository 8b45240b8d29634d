import Ingest
import BrokerProcess
import DeviceCatalog
import Domain
import Foundation
import HTTPAPI
import Logging
import MQTT
import Maintenance
import Pipeline
import Risk
import Rules
import ServiceLifecycle
import SourceFiles
import Records
import Services
import Storage
import Synchronization

/// `equipwatch bench api`: API latency under load beside a running pipeline, and what that load
/// costs ingest (SPEC §7 performance).
///
/// Method. A store is seeded with `readings` readings over the last 30 days and `alarms` resolved
/// alarms; the full pipeline of `equipwatch run` (rules, planner, risk) and the API server run in
/// this process on it, as they do in production. A publisher offers telemetry at `ingestRate`
/// msg/s for the whole run; each message's publish → commit latency is recorded. Phases of
/// `seconds` each: no API load, then `wrk` (Debian package `wrk`, `connections` connections) on
/// each measured route, then no API load again. Each phase reports the ingest rate committed and
/// its latency; the API phases report the route's request rate and latency percentiles as `wrk`
/// measures them.
public final class APIBenchmark: Sendable {
    /// What `bench api` seeds and offers: stored history, ingest rate, seconds per route.
    public struct Options: Sendable {
        public var devicesDirectory = "Devices"
        public var rulesDirectory = "Rules"
        public var readings = 1_000_000
        public var alarms = 100_000
        public var ingestRate = 5_000.0
        public var seconds = 10.0
        public var connections = 8
        /// Where the phase's store is (nil: a SQLite file); see `Benchmark.Options.scratchStore`.
        /// With another engine, the whole run is made again on SQLite and the ratios printed.
        public var scratchStore: ScratchStoreMaker?
        /// The other engine's name on the lines.
        public var engine = "PostgreSQL"
        public init() {}
    }

    private let options: Options
    private let catalog: Catalog
    private let rules: RuleSet
    private let risk: RiskModel
    private let out: @Sendable (String) -> Void
    private let logger: Logger

    public init(options: Options, output: @escaping @Sendable (String) -> Void) throws {
        self.options = options
        catalog = try Catalog.load(directory: options.devicesDirectory)
        rules = try RuleLoader.load(directory: options.rulesDirectory, types: catalog.types)
        risk = try RiskModel.load(path: options.rulesDirectory + "/risk.yaml")
        out = output
        var l = Logger(label: "bench-api")
        l.logLevel = .warning
        logger = l
    }

    /// Seeds the scratch store, runs the pipeline and the API with its own broker, and prints each
    /// route's figures and what the load cost ingest.
    public func run() async throws {
        guard let wrk = Self.executable("wrk") else {
            throw BrokerError("bench api needs wrk on PATH (Debian: apt-get install wrk)")
        }
        guard let other = options.scratchStore else {
            _ = try await session(wrk, scratch: nil)
            return
        }
        out("on \(options.engine):")
        let tested = try await session(wrk, scratch: other)
        out("on SQLite, in this run:")
        let lite = try await session(wrk, scratch: nil)
        out("\(options.engine)/SQLite, both measured in this run (request rate: above 1 is faster; p99: above 1 is slower): "
            + tested.map { route, r in
                String(format: "%@ req/s %.2f, p99 %.2f", route, r.requestsPerSecond / (lite[route]?.requestsPerSecond ?? .nan),
                       r.p99 / (lite[route]?.p99 ?? .nan))
            }.sorted().joined(separator: "; "))
    }

    /// One whole run on a fresh store of the engine `scratch` makes (nil: SQLite): each route's
    /// figures, by name.
    private func session(_ wrk: String, scratch: ScratchStoreMaker?) async throws -> [String: WrkResult] {
        let rig = try Rig(catalog: catalog, clientId: "bench-api", qos: 1, queueQoS0: false, maxUncommitted: nil, scratch: scratch)
        defer { rig.close() }
        let seeded = try seed(rig)
        out(String(format: "seeded %d readings over 30 days and %d alarms in %.1f s", seeded.readings, seeded.alarms, seeded.seconds))
        let secret = "ew_bench_\(UUID().uuidString)"
        _ = try rig.store.createToken(name: "bench", role: .supervisor, hash: SHA256.hex(secret.utf8), expiresAt: nil, now: wallMillis())

        // The pipeline, with a ledger of publish and commit times by message index.
        let devices = rig.devices
        var slot: [Int64: Int] = [:]
        for (i, d) in devices.enumerated() { if let e = rig.directory.entry(d.id) { slot[e.num] = i } }
        let phases = 5
        let total = Int(options.ingestRate * options.seconds) * (phases + 1)
        let ledger = CommitLedger(count: total)
        let slots = slot
        let deviceCount = devices.count
        var po = IngestPipeline.Options(settings: rig.settings)
        po.onCommit = { committed, at in
            for m in committed {
                guard let k = slots[m.deviceNum], let seq = m.seq else { continue }
                ledger.committed(index: (Int(seq) - 1) * deviceCount + k, at: at)
            }
        }
        let pipeline = try IngestPipeline(options: po, store: rig.store, directory: rig.directory,
                                          hook: RuleHooks([NormalBandCheck(), RuleEngine(rules: rules)]),
                                          planner: MaintenancePlanner(directory: rig.directory, rules: rules, restored: [:],
                                                                      options: .init(startedAt: wallMillis())),
                                          risk: risk, logger: logger)
        pipeline.start()
        defer { _ = pipeline.stop() }
        while !pipeline.isSubscribed { try await Task.sleep(for: .milliseconds(10)) }

        // The API server on a free port.
        let types = catalog.types
        let server = APIServer(store: rig.store, types: { types }, topics: Topics(),
                               health: { APIServer.Health(brokerDownSince: pipeline.disconnectedSince, queueDepth: pipeline.queueDepth,
                                                          lastCommitAt: pipeline.stats.lastCommitAt, storeFailure: pipeline.stats.storeFailure) },
                               logger: logger)
        let listening = AsyncStream<Int>.makeStream()
        let app = server.application(host: "127.0.0.1", port: 0) { port in listening.continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
        let serving = Task { try await group.run() }
        defer {
            server.feed.close()
            Task { await group.triggerGracefulShutdown() }
        }
        var ports = listening.stream.makeAsyncIterator()
        guard let port = await ports.next() else { throw BrokerError("the API server did not start") }

        // Ingest at the offered rate for the whole run, on its own thread.
        let publisher = try Publisher(options: MQTTOptions(host: "127.0.0.1", port: rig.broker.port, clientId: "bench-api-pub",
                                                           cleanSession: true), window: 1000)
        try publisher.start()
        let stop = Flag()
        let rate = options.ingestRate
        let feeder = Thread {
            let start = monotonicNanos()
            for i in 0..<total where !stop.value {
                let due = start + UInt64(Double(i) / rate * 1e9)
                while monotonicNanos() < due { usleep(50) }
                let d = devices[i % deviceCount]
                let payload = BenchPayloads.telemetry(d, seq: i / deviceCount + 1, ts: wallMillis())
                ledger.published(index: i, at: monotonicNanos())
                _ = try? publisher.publish(topic: "equipwatch/v1/\(d.gateway)/\(d.id)/telemetry", payload: Array(payload.utf8), qos: 1)
            }
        }
        feeder.start()
        defer { stop.set(true); publisher.stop() }
        try await Task.sleep(for: .seconds(1))  // past the first commits and grades

        // A device with readings across the month, and the routes under test.
        let device = devices[deviceCount / 2].id
        let from = Timestamp.format(wallMillis() - 30 * 86_400_000)
        let routes: [(name: String, path: String)] = [
            ("GET /v1/alarms?limit=100", "/v1/alarms?limit=100"),
            ("GET /v1/devices/{id}", "/v1/devices/\(device)"),
            ("GET /v1/devices/{id}/readings (30 d, 100 rows)", "/v1/devices/\(device)/readings?from=\(from)&limit=100"),
        ]
        var ingest: [(label: String, figures: CommitLedger.Figures)] = []
        var results: [String: WrkResult] = [:]
        func quiet(_ label: String) async throws {
            let begin = monotonicNanos()
            try await Task.sleep(for: .seconds(options.seconds))
            ingest.append((label, ledger.figures(publishedFrom: begin, to: monotonicNanos())))
        }
        try await quiet("no API load")
        for route in routes {
            let begin = monotonicNanos()
            let result = try await Self.runWrk(wrk, url: "http://127.0.0.1:\(port)\(route.path)", token: secret,
                                               connections: options.connections, seconds: options.seconds)
            ingest.append(("under " + route.name, ledger.figures(publishedFrom: begin, to: monotonicNanos())))
            results[route.name] = result
            out(String(format: "%@: %.0f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, non-2xx %d (target p99 < 50 ms: %@)",
                       route.name, result.requestsPerSecond, result.p50, result.p99, result.max, result.errors,
                       result.p99 < 50 && result.errors == 0 ? "met" : "NOT met"))
        }
        try await quiet("no API load again")
        stop.set(true)
        server.feed.close()
        await group.triggerGracefulShutdown()
        try await serving.value

        let quietRates = ingest.filter { $0.label.hasPrefix("no API") }.map(\.figures.committedPerSecond)
        let baseline = quietRates.reduce(0, +) / Double(max(1, quietRates.count))
        for (label, f) in ingest {
            out(String(format: "ingest %@: %.0f msg/s committed of %.0f offered (%.3f of the unloaded rate), publish → commit p50 %.1f ms, p99 %.1f ms",
                       label, f.committedPerSecond, options.ingestRate, f.committedPerSecond / baseline, f.p50, f.p99))
        }
        let worst = ingest.filter { !$0.label.hasPrefix("no API") }.map(\.figures.committedPerSecond).min() ?? baseline
        let slowdown = 1 - worst / baseline
        out(String(format: "ingest slowed by at most %.1f %% under API load (target < 5 %%: %@)", slowdown * 100, slowdown < 0.05 ? "met" : "NOT met"))
        return results
    }

    /// Readings spread over the last 30 days across the fleet, and resolved alarms, written
    /// through the store's commit in batches.
    private func seed(_ rig: Rig) throws -> (readings: Int, alarms: Int, seconds: Double) {
        let started = Date()
        let entries = rig.directory.entries
        let now = wallMillis()
        let span: Int64 = 30 * 86_400_000
        var batch = CommitBatch()
        for i in 0..<options.readings {
            let e = entries[i % entries.count]
            let ts = now - span + Int64(Double(i) / Double(options.readings) * Double(span))
            batch.messages.append(AcceptedMessage(deviceNum: e.num, entryIndex: i % entries.count, kind: .telemetry, ts: ts, seq: nil,
                                                  receivedAt: ts, values: [], code: nil, data: #"{"speed_mps":1.2,"load_pct":40}"#))
            if batch.messages.count == 10_000 { try rig.store.commit(batch); batch.removeAll() }
        }
        for i in 0..<options.alarms {
            let d = rig.devices[i % rig.devices.count]
            guard let e = rig.directory.entry(d.id) else { continue }
            let at = now - span + Int64(Double(i) / Double(max(1, options.alarms)) * Double(span))
            let alarm = Alarm(id: Int64(i + 1), deviceNum: e.num, device: d.id, type: d.type, site: d.site, firm: d.firm,
                              rule: "\(d.type).bench", family: "\(d.type).bench", pack: "0000000000000000", severity: .major,
                              state: .resolved, startedAt: at, firedAt: at, resolvedAt: at + 60_000, repeats: 0, lastAt: at + 60_000,
                              message: "seeded by bench api", inputs: "{}", incidentId: nil)
            batch.alarms.append(AlarmWrite(change: AlarmChange(alarm: alarm, transition: .resolved, opensIncident: false), payload: nil))
            if batch.alarms.count == 10_000 { try rig.store.commit(batch); batch.removeAll() }
        }
        if !batch.isEmpty { try rig.store.commit(batch) }
        try rig.store.checkpoint()
        return (options.readings, options.alarms, Date().timeIntervalSince(started))
    }

    struct WrkResult {
        var requestsPerSecond = 0.0
        var p50 = Double.nan, p99 = Double.nan, max = Double.nan
        var errors = 0
    }

    /// Runs wrk on a thread of its own and parses its summary (`--latency` percentiles).
    static func runWrk(_ wrk: String, url: String, token: String, connections: Int, seconds: Double) async throws -> WrkResult {
        let text: String = try await withCheckedThrowingContinuation { continuation in
            Thread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: wrk)
                p.arguments = ["-t", "2", "-c", "\(connections)", "-d", "\(Int(seconds.rounded()))s", "--latency",
                               "-H", "Authorization: Bearer \(token)", url]
                let pipe = Pipe()
                p.standardOutput = pipe
                p.standardError = pipe
                do {
                    try p.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
        return parseWrk(text)
    }

    static func parseWrk(_ text: String) -> WrkResult {
        var r = WrkResult()
        func ms(_ s: Substring) -> Double {
            let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000)]
            for (u, f) in units where s.hasSuffix(u) { return (Double(s.dropLast(u.count)) ?? .nan) * f }
            return .nan
        }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = f.first else { continue }
            if first == "50%", f.count > 1 { r.p50 = ms(f[1]) }
            if first == "99%", f.count > 1 { r.p99 = ms(f[1]) }
            if first == "Latency", f.count > 3 { r.max = ms(f[3]) }
            if first == "Requests/sec:", f.count > 1 { r.requestsPerSecond = Double(f[1]) ?? 0 }
            if line.hasPrefix("  Non-2xx") || line.hasPrefix("Non-2xx"), let n = f.last.flatMap({ Int($0) }) { r.errors += n }
            if line.contains("Socket errors") { r.errors += line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.reduce(0, +) }
        }
        return r
    }

    static func executable(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
