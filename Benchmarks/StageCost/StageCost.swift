import Benchmark
import DeviceCatalog
import Domain
import Foundation
import Ingest
import Maintenance
import Rules
import Simulation
import SourceFiles
import Records
import Storage
import Synchronization

/// The worker's stages one by one, per message, over the sample fleet's mix of the five device
/// types (`Devices/`, every pack of `Rules/`, messages as the simulator makes them): wall time
/// and allocations. Run with
/// `swift package benchmark` from the repository root; allocations are deterministic, the figure
/// to drive down (issue 16); times vary with the machine.
///
/// Stages: 1 topic parse and registry look-up; 2 validation (topic, registry, JSON, schema and
/// ranges: stage 1 included); 3 the sequence check; 4 the rules (normal bands and every pack);
/// 5 the maintenance planner; 6 the commit (batches of 1000, per message).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1000,
                                           scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 100)

    Benchmark("1 topic + registry look-up") { benchmark in
        let f = Fixture.shared
        let prefix = Array("equipwatch/v1".utf8)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let input = f.inputs[i % f.inputs.count]
            input.topic.withUnsafeBytes { t in
                if let levels = Topic.DeviceLevels(t, prefix: prefix) { blackHole(f.directory.entry(id: levels.device).map { levels.gateway.equals($0.gateway) }) }
            }
        }
    }

    Benchmark("2 validation (topic, registry, JSON, schema)") { benchmark in
        let f = Fixture.shared
        var out = IngestOutput()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let input = f.inputs[i % f.inputs.count]
            input.topic.withUnsafeBytes { t in input.payload.withUnsafeBytes { p in
                f.validator.validate(topic: t, payload: p, receivedAt: input.receivedAt, directory: f.directory, into: &out)
            } }
            out.removeAll()
        }
    }

    Benchmark("3 sequence check") { benchmark in
        let f = Fixture.shared
        var states = [SequenceState?](repeating: nil, count: f.directory.entries.count)
        var newest = [Int64?](repeating: nil, count: f.directory.entries.count)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let m = f.accepted[i % f.accepted.count]
            let round = Int64(i / f.accepted.count)
            blackHole(SequenceTracker.observe((m.seq ?? 0) + UInt64(round) * 1_000_000, ts: m.ts + round * 1_000_000,
                                              newestTs: newest[m.entryIndex], &states[m.entryIndex]))
            newest[m.entryIndex] = m.ts + round * 1_000_000
        }
    }

    Benchmark("4 rules (bands and every pack)") { benchmark in
        let f = Fixture.shared
        let hook = RuleHooks([NormalBandCheck(), RuleEngine(rules: f.rules)])
        var out = RuleOutput()
        // Steady state: every device's rule state exists (made on its first message).
        for m in f.accepted { hook.evaluate(m, device: f.directory.entries[m.entryIndex], type: f.directory.type(of: f.directory.entries[m.entryIndex]), into: &out) }
        out.removeAll()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let m = f.accepted[i % f.accepted.count]
            let e = f.directory.entries[m.entryIndex]
            hook.evaluate(m, device: e, type: f.directory.type(of: e), into: &out)
            if out.count > 10_000 { out.removeAll() }
        }
    }

    Benchmark("5 maintenance planner") { benchmark in
        let f = Fixture.shared
        let planner = MaintenancePlanner(directory: f.directory, rules: f.rules, restored: [:], options: .init(startedAt: f.start))
        var out = PlannerOutput()
        for m in f.accepted { planner.observe(m, into: &out) }
        out.removeAll()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            planner.observe(f.accepted[i % f.accepted.count], into: &out)
            if out.notices.count + out.events.count > 10_000 { out.removeAll() }
        }
    }

    Benchmark("6 commit (batches of 1000)") { benchmark in
        let f = Fixture.shared
        // One store for every sample, so samples measure steady-state commits into a growing
        // table, not a fresh file's first commit (its statements prepared, its WAL created).
        let store = CommitTarget.shared.store
        var batch = CommitBatch()
        batch.messages.reserveCapacity(1000)
        let passes = CommitTarget.shared.passes.withLock { $0 }
        do {
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations {
                // Time moves on with every pass over the stream, as a real device's does.
                let m = f.accepted[i % f.accepted.count]
                let shift = Int64(i / f.accepted.count + passes) * 20_000
                batch.messages.append(AcceptedMessage(deviceNum: m.deviceNum, entryIndex: m.entryIndex, kind: m.kind, ts: m.ts + shift,
                                                      seq: m.seq.map { $0 + UInt64(shift / 1000) }, receivedAt: m.receivedAt + shift,
                                                      values: m.values, code: m.code, data: m.data, stationIndex: m.stationIndex))
                if batch.messages.count == 1000 {
                    try store.commit(batch)
                    batch.messages.removeAll(keepingCapacity: true)
                }
            }
            if !batch.messages.isEmpty { try store.commit(batch) }
            CommitTarget.shared.passes.withLock { $0 += benchmark.scaledIterations.count / f.accepted.count + 1 }
        } catch {
            fatalError("commit stage: \(error)")
        }
    }
}

/// The commit stage's store: a temporary file with the sample fleet imported, removed at exit.
final class CommitTarget: Sendable {
    let store: SQLiteStore
    /// Passes over the stream so far (one sample's iterations at a time; samples run in turn).
    let passes = Mutex(0)
    static let directory = NSTemporaryDirectory() + "ew-stagecost-\(getpid())"

    static let shared = CommitTarget()

    private init() {
        let directory = Self.directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try SQLiteStore(path: directory + "/equipwatch.sqlite")
            try store.importFleet(Fixture.shared.catalog.fleet, now: Fixture.shared.start)
            // As in the pipeline: WAL checkpoints on their own connection and thread, every
            // 500 ms (`store.checkpoint_interval`), never inside the worker's commit.
            if let checkpointer = try Checkpointer(store: store) {
                let t = Thread {
                    while true {
                        Thread.sleep(forTimeInterval: 0.5)
                        _ = try? checkpointer.checkpoint()
                    }
                }
                t.start()
            }
        } catch {
            fatalError("commit stage: \(error)")
        }
        atexit { try? FileManager.default.removeItem(atPath: CommitTarget.directory) }
    }
}

/// The sample fleet, its rules and a realistic stream: every registered device sends 20
/// messages as the simulator makes them (elevators on trips with their counters and remote-alarm
/// self-tests, boilers, vessels, cylinder fill records, forklifts), a second apart per round.
struct Fixture: Sendable {
    struct Input: Sendable {
        let topic: [UInt8]
        let payload: [UInt8]
        let receivedAt: Int64
    }

    let catalog: Catalog
    let rules: RuleSet
    let directory: DeviceDirectory
    let validator: Validator
    let inputs: [Input]
    let accepted: [AcceptedMessage]
    let start: Int64

    static let shared: Fixture = {
        do { return try Fixture(root: FileManager.default.currentDirectoryPath) } catch { fatalError("stage benchmarks: \(error)") }
    }()

    init(root: String) throws {
        catalog = try Catalog.load(directory: root + "/Devices")
        rules = try RuleLoader.load(directory: root + "/Rules", types: catalog.types)
        directory = DeviceDirectory(types: catalog.types, devices: catalog.fleet.devices.enumerated().map { (Int64($0.offset + 1), $0.element) },
                                    gateways: catalog.fleet.gateways.map(\.id), firms: catalog.fleet.firms, sites: catalog.fleet.sites,
                                    stations: catalog.fleet.stations)
        validator = Validator(prefix: "equipwatch/v1", limits: IngestLimits())
        start = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        var rng = SplitMix64(seed: 42)
        var models = catalog.fleet.devices.map { DeviceModel(record: $0, seqStart: 0, rng: &rng) }
        var inputs: [Input] = []
        for round in 0..<20 {
            let ts = start + Int64(round) * 1000
            for i in models.indices {
                let (kind, payload) = models[i].next(nowMs: ts, rng: &rng)
                let d = models[i].record
                inputs.append(Input(topic: Array("equipwatch/v1/\(d.gateway)/\(d.id)/\(kind.rawValue)".utf8),
                                    payload: Array(payload.utf8), receivedAt: ts + 5))
            }
        }
        self.inputs = inputs
        var out = IngestOutput()
        let (validator, directory) = (self.validator, self.directory)
        for input in inputs {
            input.topic.withUnsafeBytes { t in input.payload.withUnsafeBytes { p in
                validator.validate(topic: t, payload: p, receivedAt: input.receivedAt, directory: directory, into: &out)
            } }
        }
        precondition(out.deadLetters.isEmpty, "bench payloads must be valid: \(out.deadLetters.first.map { "\($0.reason) \($0.detail)" } ?? "")")
        accepted = out.accepted
    }
}
