import DeviceCatalog
import Domain
import Foundation
import Ingest
import Maintenance
import Records
import Rules
import Simulation
import SourceFiles
import Storage
import Synchronization

// The worker's stages over a fixed workload, shared by `StageCost` (wall time and allocations,
// ordo-one/benchmark) and `StageInstructions` (instructions under callgrind): the same fixture,
// the same loops. Each runner's `run(_:)` takes iteration numbers (message i is
// `accepted[i % count]`) and returns a value the caller keeps, so nothing is optimised away.

/// The commit stage's store: a temporary file with the sample fleet imported, removed at exit.
public final class CommitTarget: Sendable {
    public let store: SQLiteStore
    /// Passes over the stream so far (one sample's iterations at a time; samples run in turn).
    public let passes = Mutex(0)
    static let directory = NSTemporaryDirectory() + "ew-stagecost-\(getpid())"

    /// For the benchmarks: WAL checkpoints on their own thread every 500 ms, as in the pipeline.
    public static let shared = CommitTarget(checkpoints: true)

    /// `checkpoints`: a thread checkpoints the WAL every 500 ms, as `store.checkpoint_interval`
    /// does in the pipeline (off for instruction counts: another thread's work is not the stage's).
    public init(checkpoints: Bool) {
        let directory = Self.directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try SQLiteStore(path: directory + "/equipwatch.sqlite")
            try store.importFleet(Fixture.shared.catalog.fleet, now: Fixture.shared.start)
            // As in the pipeline: WAL checkpoints on their own connection and thread, every
            // 500 ms (`store.checkpoint_interval`), never inside the worker's commit.
            if checkpoints, let checkpointer = try Checkpointer(store: store) {
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
public struct Fixture: Sendable {
    public struct Input: Sendable {
        public let topic: [UInt8]
        public let payload: [UInt8]
        public let receivedAt: Int64
    }

    public let catalog: Catalog
    public let rules: RuleSet
    public let directory: DeviceDirectory
    public let validator: Validator
    public let inputs: [Input]
    public let accepted: [AcceptedMessage]
    public let start: Int64

    public static let shared: Fixture = {
        do { return try Fixture(root: FileManager.default.currentDirectoryPath) } catch { fatalError("stage benchmarks: \(error)") }
    }()

    public init(root: String) throws {
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

/// Stage 1: the topic parsed and the device looked up in the registry.
public struct LookUpStage {
    let f: Fixture
    let prefix = Array("equipwatch/v1".utf8)
    public init(_ f: Fixture) { self.f = f }
    public func run(_ iterations: Range<Int>) -> Int {
        var found = 0
        for i in iterations {
            let input = f.inputs[i % f.inputs.count]
            input.topic.withUnsafeBytes { t in
                if let levels = Topic.DeviceLevels(t, prefix: prefix), f.directory.entry(id: levels.device).map({ levels.gateway.equals($0.gateway) }) == true {
                    found += 1
                }
            }
        }
        return found
    }
}

/// Stage 2: validation (topic, registry, JSON, schema and ranges; stage 1 included).
public final class ValidationStage {
    let f: Fixture
    var out = IngestOutput()
    public init(_ f: Fixture) { self.f = f }
    public func run(_ iterations: Range<Int>) -> Int {
        var accepted = 0
        for i in iterations {
            let input = f.inputs[i % f.inputs.count]
            input.topic.withUnsafeBytes { t in input.payload.withUnsafeBytes { p in
                f.validator.validate(topic: t, payload: p, receivedAt: input.receivedAt, directory: f.directory, into: &out)
            } }
            accepted += out.accepted.count
            out.removeAll()
        }
        return accepted
    }
}

/// Stage 3: the sequence check, each pass over the stream a later epoch of time and numbers.
public final class SequenceStage {
    let f: Fixture
    var states: [SequenceState?]
    var newest: [Int64?]
    public init(_ f: Fixture) {
        self.f = f
        states = [SequenceState?](repeating: nil, count: f.directory.entries.count)
        newest = [Int64?](repeating: nil, count: f.directory.entries.count)
    }
    public func run(_ iterations: Range<Int>) -> Int {
        var gaps = 0
        for i in iterations {
            let m = f.accepted[i % f.accepted.count]
            let round = Int64(i / f.accepted.count)
            if case .gap = SequenceTracker.observe((m.seq ?? 0) + UInt64(round) * 1_000_000, ts: m.ts + round * 1_000_000,
                                                   newestTs: newest[m.entryIndex], &states[m.entryIndex]) { gaps += 1 }
            newest[m.entryIndex] = m.ts + round * 1_000_000
        }
        return gaps
    }
}

/// Stage 4: the rules (normal bands and every pack), in steady state: every device's rule state
/// made by a first pass over the stream.
public final class RulesStage {
    let f: Fixture
    let hook: RuleHooks
    var out = RuleOutput()
    public init(_ f: Fixture) {
        self.f = f
        hook = RuleHooks([NormalBandCheck(), RuleEngine(rules: f.rules)])
        for m in f.accepted { hook.evaluate(m, device: f.directory.entries[m.entryIndex], type: f.directory.type(of: f.directory.entries[m.entryIndex]), into: &out) }
        out.removeAll()
    }
    public func run(_ iterations: Range<Int>) -> Int {
        var produced = 0
        for i in iterations {
            let m = f.accepted[i % f.accepted.count]
            let e = f.directory.entries[m.entryIndex]
            hook.evaluate(m, device: e, type: f.directory.type(of: e), into: &out)
            if out.count > 10_000 { produced += out.count; out.removeAll() }
        }
        return produced + out.count
    }
}

/// Stage 5: the maintenance planner, in steady state after a first pass.
public final class PlannerStage {
    let f: Fixture
    let planner: MaintenancePlanner
    var out = PlannerOutput()
    public init(_ f: Fixture) {
        self.f = f
        planner = MaintenancePlanner(directory: f.directory, rules: f.rules, restored: [:], options: .init(startedAt: f.start))
        for m in f.accepted { planner.observe(m, into: &out) }
        out.removeAll()
    }
    public func run(_ iterations: Range<Int>) -> Int {
        var produced = 0
        for i in iterations {
            planner.observe(f.accepted[i % f.accepted.count], into: &out)
            if out.notices.count + out.events.count > 10_000 { produced += out.notices.count + out.events.count; out.removeAll() }
        }
        return produced
    }
}

/// Stage 6: the commit, in batches of 1000, into one store for every run (steady-state commits
/// into a growing table, not a fresh file's first). Time moves on with every pass over the
/// stream, as a real device's does.
public final class CommitStage {
    let f: Fixture
    let target: CommitTarget
    var batch = CommitBatch()
    public init(_ f: Fixture, target: CommitTarget) {
        (self.f, self.target) = (f, target)
        batch.messages.reserveCapacity(1000)
    }
    public func run(_ iterations: Range<Int>) -> Int {
        let passes = target.passes.withLock { $0 }
        do {
            for i in iterations {
                let m = f.accepted[i % f.accepted.count]
                let shift = Int64(i / f.accepted.count + passes) * 20_000
                batch.messages.append(AcceptedMessage(deviceNum: m.deviceNum, entryIndex: m.entryIndex, kind: m.kind, ts: m.ts + shift,
                                                      seq: m.seq.map { $0 + UInt64(shift / 1000) }, receivedAt: m.receivedAt + shift,
                                                      values: m.values, code: m.code, data: m.data, stationIndex: m.stationIndex))
                if batch.messages.count == 1000 {
                    try target.store.commit(batch)
                    batch.messages.removeAll(keepingCapacity: true)
                }
            }
            if !batch.messages.isEmpty { try target.store.commit(batch) }
            batch.messages.removeAll(keepingCapacity: true)
        } catch {
            fatalError("commit stage: \(error)")
        }
        target.passes.withLock { $0 += iterations.count / f.accepted.count + 1 }
        return iterations.count
    }
}
