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

/// The live phases of `equipwatch bench`: publish → commit latency at a fixed offered rate, and
/// offered rates stepped up until the bare subscriber, then the pipeline, falls behind.
extension Benchmark {
    func latency(engine: Engine = .tested) throws -> (count: Int, p50: Double, p99: Double, max: Double) {
        let run = try live(rate: options.latencyRate, seconds: options.latencySeconds, pipeline: true, drainWait: 30, engine: engine)
        return (run.figures.measured, run.figures.p50, run.figures.p99, run.figures.max)
    }

    /// One live run: a publisher offers `rate` QoS 1 messages/s for `seconds` while the consumer
    /// (the pipeline, to commit; or the bare subscriber, to receipt) takes them. It kept up when
    /// every message arrived within `drainWait` seconds of the last being published and the p99
    /// latency stayed under 50 ms (the pipeline on a server engine: its `latencyTarget`); `publisherLagged` when the publisher itself could not offer
    /// the rate.
    struct LiveRun {
        var figures: CommitLedger.Figures
        var keptUp: Bool
        var publisherLagged: Bool
    }

    private func live(rate: Double, seconds: Double, pipeline usePipeline: Bool, drainWait: Double, engine: Engine = .tested,
                      processes: Bool = false) throws -> LiveRun {
        let rig = try Rig(catalog: catalog, clientId: usePipeline ? "bench-live-pipeline" : "bench-live-bare", qos: 1, queueQoS0: false,
                          maxUncommitted: options.maxUncommitted, scratch: scratch(engine),
                          backdated: usePipeline ? options.backdatedReadings : 0)
        defer { rig.close() }
        let (broker, settings, store, directory) = (rig.broker, rig.settings, rig.store, rig.directory)
        let devices = rig.devices
        let deviceCount = devices.count
        let total = Int(rate * seconds)
        let sent = CommitLedger(count: total)
        // Message index = (seq − 1) × devices + the device's position in `devices`.
        var slot: [Int64: Int] = [:]
        for (i, d) in devices.enumerated() { if let e = directory.entry(d.id) { slot[e.num] = i } }
        let slots = slot
        let positions = ByteKeyTable(devices.enumerated().map { (key: $0.element.id, value: $0.offset) })
        let consumer: Consumer
        if usePipeline {
            var o = IngestPipeline.Options(settings: settings)
            o.onCommit = { committed, at in
                for m in committed {
                    guard let k = slots[m.deviceNum], let seq = m.seq else { continue }
                    sent.committed(index: (Int(seq) - 1) * deviceCount + k, at: at)
                }
            }
            consumer = PipelineConsumer(pipeline: try IngestPipeline(options: o, store: store, directory: directory, hook: try hook(store, directory),
                                                                      planner: planner(directory), risk: risk, logger: logger))
        } else {
            let counter = Counter()
            let prefix = Array(Topics.defaultPrefix.utf8)
            let options = MQTTOptions(host: settings.broker.endpoint.host, port: settings.broker.endpoint.port,
                                      clientId: settings.broker.clientId, cleanSession: true)
            let loop = try SubscriberLoop(config: .init(options: options, subscriptions: ["equipwatch/v1/+/+/+"], qos: 1), logger: logger) { topic, payload in
                let at = monotonicNanos()
                counter.increment()
                guard let levels = Topic.DeviceLevels(topic, prefix: prefix), let k = positions.value(for: levels.device),
                      let seq = BenchPayloads.seq(in: payload) else { return }
                sent.committed(index: (seq - 1) * deviceCount + k, at: at)
            }
            consumer = BareConsumer(loop: loop, counter: counter, clock: ThreadClock())
        }
        try consumer.start()
        defer { try? consumer.stop() }
        Thread.sleep(forTimeInterval: 0.2)
        let lagged: Bool
        if processes {
            lagged = try publishInProcesses(port: broker.port, rate: rate, seconds: seconds, ts: wallMillis(), sent: sent)
        } else {
            lagged = try publishHere(port: broker.port, rate: rate, seconds: seconds, devices: devices, sent: sent)
        }
        let deadline = Date().addingTimeInterval(drainWait)
        while sent.committedCount < total, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        let f = sent.figures(publishedFrom: 1, to: .max)
        // The pipeline on a server engine is held to that engine's latency goal (`latencyTarget`).
        let bar = usePipeline && engine == .tested ? latencyTarget : 50
        return LiveRun(figures: f, keptUp: f.measured == total && f.p99 < bar, publisherLagged: lagged)
    }

    /// Publishes a live run's messages from this process's own thread, each one's publish time
    /// recorded as it goes out; returns whether the thread could not keep the rate.
    private func publishHere(port: Int, rate: Double, seconds: Double, devices: [DeviceRecord], sent: CommitLedger) throws -> Bool {
        let step = LivePart(port: port, rate: rate, seconds: seconds, startAt: monotonicNanos() + 50_000_000, part: 0, parts: 1,
                            ts: wallMillis(), devicesDirectory: options.devicesDirectory)
        let late = try step.publish(devices: devices) { i, at in sent.published(index: i, at: at) }
        return late > seconds * 100  // a tenth of the step, in ms
    }

    /// The live phase: offered rates stepped up (`liveSteps`, `liveStepSeconds` each) for the
    /// bare subscriber and for the pipeline (and, with another engine under test, the pipeline on
    /// SQLite too); each one's highest rate kept up.
    func liveSteps() throws -> (bare: Double, pipeline: Double, sqlite: Double?, lines: [String]) {
        var lines: [String] = []
        var best: [Double] = []   // by consumer, in the order below
        let consumers: [(name: String, pipeline: Bool, engine: Engine)] = [("bare    ", false, .tested), ("pipeline", true, .tested)]
            + (comparing ? [("pipeline on SQLite", true, .sqlite)] : [])
        for c in consumers {
            var steps: [String] = []
            var kept = 0.0
            for rate in options.liveSteps {
                let run = try live(rate: rate, seconds: options.liveStepSeconds, pipeline: c.pipeline, drainWait: 1, engine: c.engine,
                                   processes: options.livePublishers > 1)
                steps.append(String(format: "%.0fk %@ (p50 %.1f, p99 %.0f ms)", rate / 1000, run.publisherLagged ? "publisher lagged" : run.keptUp ? "ok" : "behind", run.figures.p50.isNaN ? 0 : run.figures.p50,
                                    run.figures.p99.isNaN ? 0 : run.figures.p99))
                guard run.keptUp, !run.publisherLagged else { break }
                kept = rate
            }
            best.append(kept)
            lines.append("  \(c.name): " + steps.joined(separator: ", "))
        }
        return (best[0], best[1], comparing ? best[2] : nil, lines)
    }
}
