import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Synchronization
import Ingest
import Logging
import MQTT
import Maintenance
import Pipeline
import Risk
import Rules
import Settings
import Records
import Services
import Storage
import BrokerProcess

/// `equipwatch bench`: the figures of SPEC §9, measured in one run so that they can be read as
/// ratios on a shared, noisy machine.
///
/// Method. Each throughput phase pre-loads N messages into the broker for an offline persistent
/// session, then times how long the consumer takes to drain them, from its start to its last
/// message (bare) or last commit (pipeline). The bare subscriber and the pipeline use the same
/// libmosquitto loop code, the same broker configuration and the same messages; only what happens
/// to a message differs (discarded vs. validated, rule-checked and committed to SQLite). A third
/// consumer between them, the pipeline's hand-over with nothing behind it (`HandOverConsumer`),
/// shows how much of the gap is the worker's.
public final class Benchmark {
    /// What `bench` offers: messages, devices, QoS, payload mix, and the phases to run.
    public struct Options: Sendable {
        public var devicesDirectory = "Devices"
        /// Every pack here is loaded into the pipeline under test (SPEC §9: "with the sample rule packs").
        public var rulesDirectory = "Rules"
        public var qos1Messages = 100_000
        public var qos0Messages = 200_000
        public var batchMessages = 20_000
        public var latencyRate = 10_000.0
        public var latencySeconds = 5.0
        /// Offered rates of the live phase, msg/s, tried in order until one is not kept up.
        public var liveSteps: [Double] = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 120_000]
        public var liveStepSeconds = 2.0
        /// Processes publishing each live step (`LivePart`); 1: the bench's own thread, as the
        /// latency phase always does.
        public var livePublishers = 1
        /// How to start a publishing process: the executable and the arguments before a part's
        /// own (`equipwatch bench publish-part`). Needed when `livePublishers` > 1.
        public var livePublisherCommand: [String]?
        public var storeRows = 200_000
        /// The pipeline's loss bound (`store.max_uncommitted`); nil: the default, one commit's worth.
        public var maxUncommitted: Int?
        /// Readings 40 days old put in each phase's store first, so retention prunes them while
        /// the phase runs (what pruning costs ingest).
        public var backdatedReadings = 0
        /// Where each phase's store is: nil, a SQLite file in the phase's folder; else a fresh
        /// store of another engine (a scratch PostgreSQL database) and how to drop it.
        public var scratchStore: ScratchStoreMaker?
        /// The engine's name for the header line.
        public var engine = "SQLite"
        /// The engine's short name on the comparison lines (with another engine, every pipeline
        /// phase also runs on SQLite in the same run, and the lines give both and their ratio).
        public var engineShort = "SQLite"
        /// The store-insert line(s) of another engine (its insert strategies measured side by
        /// side), printed in place of SQLite's comparison.
        public var storeLines: (@Sendable (_ rows: Int) throws -> [String])?
        public init() {}
    }

    /// One phase's figures: messages per second and the drain ratio against the bare subscriber.
    public struct Throughput: Sendable {
        public let label: String
        public let messages: Int
        public let readings: Int
        public let seconds: Double
        /// Pipeline phases: the worker thread's CPU time over the drain's wall time, and the
        /// process's CPU (every thread; the broker is another process) in cores.
        var workerBusy: Double?
        var processCores: Double?
        /// Bare phases: the subscriber's network thread's CPU time from its first message to the
        /// last, the cost of reading the messages off the wire.
        var bareCPUSeconds: Double?
        var messagesPerSecond: Double { Double(messages) / seconds }
        var readingsPerSecond: Double { Double(readings) / seconds }
    }

    let options: Options
    let catalog: Catalog
    let rules: RuleSet
    let risk: RiskModel
    private let out: (String) -> Void
    var logger: Logger

    public init(options: Options, output: @escaping (String) -> Void) throws {
        self.options = options
        catalog = try Catalog.load(directory: options.devicesDirectory)
        rules = try RuleLoader.load(directory: options.rulesDirectory, types: catalog.types)
        risk = try RiskModel.load(path: options.rulesDirectory + "/risk.yaml")
        out = output
        logger = Logger(label: "bench")
        logger.logLevel = .warning
    }

    /// Runs every phase against its own broker and prints one line of figures per phase.
    public func run() throws {
        out("EquipWatch bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, store: \(options.engine), fleet of \(catalog.fleet.devices.count) devices, \(rules.ruleIds.count) rules in \(rules.packs.count) packs, broker: mosquitto (tuned, own port)")
        let cost = try ruleCost()
        out(String(format: "rule evaluation (all packs, engine alone, %d messages): %.0f ns/message; maintenance planner alone: %.0f ns/message; validation alone: %.0f ns/message",
                   cost.messages, cost.rulesNs, cost.plannerNs, cost.validateNs))
        if let storeLines = options.storeLines {
            for line in try storeLines(options.storeRows) { out(line) }
        } else {
            let store = try storeComparison()
            out(String(format: "store inserts (%d readings, 10k per transaction): a row per reading with GRDB execute(arguments:) %.0f/s, "
                       + "with C-API binds (Store.commit, a device's readings 5 min apart) %.0f/s (%.2fx); "
                       + "Store.commit as the pipeline writes them (300 devices: a device's readings of one commit share a row) %.0f/s (%.2fx)",
                       options.storeRows, store.grdb, store.raw, store.raw / store.grdb, store.grouped, store.grouped / store.raw))
        }
        var single: [Int32: Throughput] = [:]
        var ratios: [(String, Double)] = []
        var beside: [String] = []
        /// A phase's line on SQLite, printed under the phase's own.
        func flush() {
            for line in beside { out(line) }
            beside.removeAll()
        }
        for qos: Int32 in [0, 1] {
            let n = qos == 0 ? options.qos0Messages : options.qos1Messages
            let bare = try throughput(qos: qos, messages: n, batch: 1, consumer: .bare)
            let handOver = try throughput(qos: qos, messages: n, batch: 1, consumer: .handOver)
            let pipe = try throughput(qos: qos, messages: n, batch: 1, consumer: .pipeline)
            if comparing {
                let lite = try throughput(qos: qos, messages: n, batch: 1, consumer: .pipeline, engine: .sqlite)
                ratios.append(("QoS \(qos)", pipe.messagesPerSecond / lite.messagesPerSecond))
                beside.append(String(format: "  QoS %d on SQLite in this run: pipeline %.0f msg/s%@; %@/SQLite %.2f",
                                     qos, lite.messagesPerSecond, lite.busyText, options.engineShort, pipe.messagesPerSecond / lite.messagesPerSecond))
            }
            let target = qos == 0 ? 0.70 : 0.85
            out(String(format: "QoS %d, %d msgs: bare subscriber %.0f msg/s, pipeline %.0f msg/s, ratio %.2f (target ≥ %.2f: %@)%@%@",
                       qos, n, bare.messagesPerSecond, pipe.messagesPerSecond, pipe.messagesPerSecond / bare.messagesPerSecond,
                       target, pipe.messagesPerSecond / bare.messagesPerSecond >= target ? "met" : "NOT met", pipe.busyText,
                       Self.costText(bare: bare, pipeline: pipe, goal: qos == 0 ? 0.85 : 1.0)))
            single[qos] = pipe
            out("  " + Self.ceilingText(bare: bare, handOver: handOver, pipeline: pipe, target: target,
                                        cores: ProcessInfo.processInfo.activeProcessorCount))
            flush()
        }
        let bareBatch = try throughput(qos: 1, messages: options.batchMessages, batch: 10, consumer: .bare)
        let pipeBatch = try throughput(qos: 1, messages: options.batchMessages, batch: 10, consumer: .pipeline)
        if comparing {
            let lite = try throughput(qos: 1, messages: options.batchMessages, batch: 10, consumer: .pipeline, engine: .sqlite)
            ratios.append(("batches", pipeBatch.readingsPerSecond / lite.readingsPerSecond))
            beside.append(String(format: "  batches on SQLite in this run: %.0f readings/s%@; %@/SQLite %.2f",
                                 lite.readingsPerSecond, lite.busyText, options.engineShort, pipeBatch.readingsPerSecond / lite.readingsPerSecond))
        }
        // A batched reading's worker cost against a single QoS 1 message's, in this run (goal ≤ 0.5).
        let readingCost = (pipeBatch.workerMicrosPerReading ?? .nan) / (single[1]?.workerMicrosPerReading ?? .nan)
        out(String(format: "QoS 1, gateway batches of 10, %d msgs: bare %.0f msg/s, pipeline %.0f msg/s = %.0f readings/s (ratio %.2f; %.1fx the QoS 1 pipeline's msg/s and %.1fx the QoS 0 pipeline's, target 5x)%@; the worker costs %.1f µs a reading, reading cost %.2f of a message (goal ≤ 0.50: %@)",
                   options.batchMessages, bareBatch.messagesPerSecond, pipeBatch.messagesPerSecond, pipeBatch.readingsPerSecond,
                   pipeBatch.messagesPerSecond / bareBatch.messagesPerSecond, pipeBatch.readingsPerSecond / (single[1]?.messagesPerSecond ?? .nan),
                   pipeBatch.readingsPerSecond / (single[0]?.messagesPerSecond ?? .nan),
                   pipeBatch.busyText, pipeBatch.workerMicrosPerReading ?? 0, readingCost, readingCost <= 0.5 ? "met" : "NOT met"))
        flush()
        if !options.liveSteps.isEmpty {
            let steps = try liveSteps()
            out(String(format: "live QoS 1, rate stepped up (%.0f s a step) until a consumer falls behind or p99 > %@: bare keeps up with %.0f msg/s, pipeline with %.0f msg/s, ratio %.2f (target ≥ 0.85: %@)",
                       options.liveStepSeconds, comparing ? String(format: "50 ms (the pipeline on %@: %.0f ms)", options.engineShort, latencyTarget) : "50 ms", steps.bare, steps.pipeline, steps.bare > 0 ? steps.pipeline / steps.bare : 0,
                       steps.bare > 0 && steps.pipeline / steps.bare >= 0.85 ? "met" : "NOT met"))
            for line in steps.lines { out(line) }
            if let lite = steps.sqlite {
                ratios.append(("live", lite > 0 ? steps.pipeline / lite : .nan))
            }
        }
        let lat = try latency()
        out(String(format: "latency publish → committed at %.0f msg/s offered (QoS 1, %.0f s, %d msgs): p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < %.0f ms: %@)",
                   options.latencyRate, options.latencySeconds, lat.count, lat.p50, lat.p99, lat.max, latencyTarget, lat.p99 < latencyTarget ? "met" : "NOT met"))
        if comparing {
            let lite = try latency(engine: .sqlite)
            out(String(format: "  on SQLite in this run: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %@/SQLite p99 %.2f",
                       lite.p50, lite.p99, lite.max, options.engineShort, lat.p99 / lite.p99))
            ratios.append(("latency p99", lat.p99 / lite.p99))
        }
        if comparing {
            out("\(options.engineShort)/SQLite, both measured in this run (throughput: above 1 is faster; latency: above 1 is slower): "
                + ratios.map { String(format: "%@ %.2f", $0.0, $0.1) }.joined(separator: ", "))
        }
    }

    /// Another engine under test: each pipeline phase runs on SQLite too, in this run.
    var comparing: Bool { options.scratchStore != nil }

    /// The p99 publish → commit goal: 50 ms on SQLite, 100 ms on another engine (a server a
    /// network round trip away, sharing these cores).
    var latencyTarget: Double { comparing ? 100 : 50 }

    // MARK: - Throughput

    /// What drains a throughput phase.
    enum ConsumerKind: String {
        /// A libmosquitto subscriber that counts and discards (the reference of SPEC §9).
        case bare
        /// The pipeline's network thread and hand-over to a second thread, which discards.
        case handOver = "hand-over"
        /// `IngestPipeline` as `equipwatch run` builds it.
        case pipeline
    }

    /// Where a pipeline phase stores: the engine under test, or SQLite beside it.
    enum Engine { case tested, sqlite }

    func scratch(_ engine: Engine) -> ScratchStoreMaker? { engine == .sqlite ? nil : options.scratchStore }

    private func throughput(qos: Int32, messages: Int, batch: Int, consumer kind: ConsumerKind, engine: Engine = .tested) throws -> Throughput {
        let usePipeline = kind == .pipeline
        let clientId = "bench-\(kind.rawValue)"
        let rig = try Rig(catalog: catalog, clientId: clientId, qos: qos, queueQoS0: true, maxUncommitted: options.maxUncommitted,
                          scratch: scratch(engine),
                          backdated: usePipeline ? options.backdatedReadings : 0)
        defer { rig.close() }
        let (broker, settings, store, directory) = (rig.broker, rig.settings, rig.store, rig.directory)
        let devices = rig.devices

        // 1. Create the persistent session, so the broker queues what follows.
        let consumer = try makeConsumer(kind, settings: settings, store: store, directory: directory, qos: qos)
        try consumer.start()
        try consumer.stop()

        // 2. Pre-load.
        let publisher = try Publisher(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientId: "bench-pub", cleanSession: true), window: 1000)
        try publisher.start()
        let ts = wallMillis()
        var perDevice = [Int](repeating: 0, count: devices.count)
        for i in 0..<messages {
            let k = i % devices.count
            let d = devices[k]
            var parts: [String] = []
            for _ in 0..<batch {
                perDevice[k] += 1
                parts.append(BenchPayloads.telemetry(d, seq: perDevice[k], ts: ts))
            }
            let payload = batch == 1 ? parts[0] : "[" + parts.joined(separator: ",") + "]"
            try publisher.publish(topic: "equipwatch/v1/\(d.gateway)/\(d.id)/telemetry", payload: Array(payload.utf8), qos: qos)
        }
        if qos > 0 { _ = publisher.flush(timeout: 120) }
        let loadDeadline = Date().addingTimeInterval(120)
        while publisher.acknowledged < messages, Date() < loadDeadline { Thread.sleep(forTimeInterval: 0.01) }
        publisher.stop()

        // 3. Drain and time it.
        let drain = try makeConsumer(kind, settings: settings, store: store, directory: directory, qos: qos)
        let expected = usePipeline ? messages * batch : messages
        let cpuBefore = processCPUSeconds()
        let started = Date()
        try drain.start()
        let deadline = Date().addingTimeInterval(300)
        while drain.progress < expected, Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        let seconds = Date().timeIntervalSince(started)
        let cpu = processCPUSeconds() - cpuBefore
        let got = drain.progress
        let worker = (drain as? PipelineConsumer)?.pipeline.stats.workerCPUSeconds
        let wire = (drain as? BareConsumer)?.clock.seconds
        try drain.stop()
        guard got >= expected else { throw BrokerError("\(clientId): only \(got) of \(expected) arrived within 300 s") }
        var result = Throughput(label: clientId, messages: messages, readings: messages * batch, seconds: seconds)
        if usePipeline {
            result.workerBusy = worker.map { $0 / seconds }
            result.processCores = cpu / seconds
        }
        result.bareCPUSeconds = wire
        return result
    }

    private func makeConsumer(_ kind: ConsumerKind, settings: Settings, store: any Store, directory: DeviceDirectory, qos: Int32) throws -> Consumer {
        switch kind {
        case .pipeline:
            let p = try IngestPipeline(options: .init(settings: settings), store: store, directory: directory,
                                       hook: try hook(store, directory), planner: planner(directory), risk: risk, logger: logger)
            return PipelineConsumer(pipeline: p)
        case .handOver:
            return try HandOverConsumer(settings: settings, qos: qos, logger: logger)
        case .bare:
            break
        }
        let counter = Counter()
        let clock = ThreadClock()
        let options = MQTTOptions(host: settings.broker.endpoint.host, port: settings.broker.endpoint.port,
                                  clientId: settings.broker.clientId, cleanSession: false)
        let loop = try SubscriberLoop(config: .init(options: options, subscriptions: ["equipwatch/v1/+/+/+"], qos: qos),
                                      logger: logger, message: { _, _ in
                                          clock.mark()
                                          counter.increment()
                                      })
        return BareConsumer(loop: loop, counter: counter, clock: clock)
    }

    /// The hook `equipwatch run` uses: the normal-band check and the engine with every pack.
    func hook(_ store: any Store, _ directory: DeviceDirectory) throws -> any RuleHook {
        RuleHooks([NormalBandCheck(), RuleEngine(rules: rules)])
    }

    /// The maintenance planner `equipwatch run` adds (risk grading runs beside it on its thread).
    func planner(_ directory: DeviceDirectory) -> MaintenancePlanner {
        MaintenancePlanner(directory: directory, rules: rules, restored: [:], options: .init(startedAt: wallMillis()))
    }

    /// Rule engine cost per message, measured alone (no broker, no store), next to the cost of
    /// validating the same messages, so the engine's share of the worker is visible.
    private func ruleCost() throws -> (messages: Int, rulesNs: Double, plannerNs: Double, validateNs: Double) {
        let directory = DeviceDirectory(types: catalog.types, devices: catalog.fleet.devices.enumerated().map { (Int64($0.offset + 1), $0.element) },
                                        gateways: catalog.fleet.gateways.map(\.id))
        let validator = Validator(prefix: Topics.defaultPrefix, limits: IngestLimits())
        let rounds = 600
        let ts = wallMillis()
        var messages: [AcceptedMessage] = []
        var output = IngestOutput()
        let started = monotonicNanos()
        for r in 0..<rounds {
            for d in catalog.fleet.devices {
                let topic = Array("equipwatch/v1/\(d.gateway)/\(d.id)/telemetry".utf8)
                let payload = Array(BenchPayloads.telemetry(d, seq: r + 1, ts: ts + Int64(r) * 1000).utf8)
                topic.withUnsafeBytes { t in payload.withUnsafeBytes { p in
                    validator.validate(topic: t, payload: p, receivedAt: ts + Int64(r) * 1000, directory: directory, into: &output)
                } }
            }
        }
        let validated = monotonicNanos() - started
        messages = output.accepted
        let engine = RuleEngine(rules: rules)
        var out = RuleOutput()
        let t0 = monotonicNanos()
        for m in messages {
            let e = directory.entries[m.entryIndex]
            engine.evaluate(m, device: e, type: directory.type(of: e), into: &out)
            if out.alarms.count > 10_000 { out.removeAll() }
        }
        let evaluated = monotonicNanos() - t0
        let planner = planner(directory)
        var planned = PlannerOutput()
        let t1 = monotonicNanos()
        for m in messages {
            planner.observe(m, into: &planned)
            if planned.notices.count > 10_000 { planned.removeAll() }
        }
        let observed = monotonicNanos() - t1
        let n = Double(max(1, messages.count))
        return (messages.count, Double(evaluated) / n, Double(observed) / n, Double(validated) / n)
    }
}

extension Benchmark {
    /// `; cost ratio 0.87 (bare 2.9 µs a message on its network thread, worker 3.3 µs; goal ≥ 0.85:
    /// NOT met)`: the drain ratio the pipeline would reach with the broker on cores of its own, where
    /// reading off the wire and the worker no longer share them.
    static func costText(bare: Throughput, pipeline: Throughput, goal: Double) -> String {
        guard let wire = bare.bareCPUSeconds, let worker = pipeline.workerMicrosPerReading, worker > 0 else { return "" }
        let bareMicros = wire / Double(max(1, bare.messages)) * 1e6
        let ratio = bareMicros / worker
        return String(format: "; cost ratio %.2f (bare %.2f µs a message on its network thread, worker %.2f µs; goal ≥ %.2f: %@)",
                      ratio, bareMicros, worker, goal, ratio >= goal ? "met" : "NOT met")
    }
}

extension Benchmark.Throughput {
    /// `; worker busy 93%, equipwatch 1.4 cores` for a pipeline phase.
    var busyText: String {
        guard let workerBusy, let processCores else { return "" }
        return String(format: "; worker busy %.0f%%, equipwatch %.2f cores", workerBusy * 100, processCores)
    }

    /// The worker thread's CPU time per reading, in µs (a message when a message holds one).
    var workerMicrosPerReading: Double? {
        workerBusy.map { $0 * seconds / Double(max(1, readings)) * 1e6 }
    }
}

/// CPU time of this process so far (user and system, every thread).
func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// Removes a bench scratch folder; one left behind is only noise in the temporary folder, so a
/// failure is reported and the figures still printed.
func removeScratch(_ path: String) {
    do { try FileManager.default.removeItem(atPath: path) }
    catch { FileHandle.standardError.write(Data("bench: could not remove \(path): \(error)\n".utf8)) }
}
