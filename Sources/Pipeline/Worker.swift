import Domain
import DeviceCatalog
import Foundation
import Ingest
import Logging
import Metrics
import Maintenance
import Rules
import Settings
import Records
import Services
import Storage
import Synchronization

/// The ingest worker: validation, sequence checks, the rule hook and batched commits.
/// Confined to its own thread; nothing here is touched concurrently.
final class Worker: @unchecked Sendable {
    let store: any Store
    private let validator: Validator
    var directory: DeviceDirectory
    let hook: any RuleHook
    /// Per-device state (sequence window, counters) by the device's position in `directory`:
    /// an array, so a message costs an index, not a hash look-up; constant size per device.
    private var states: [DeviceStateUpdate]
    private let commitIntervalNanos: UInt64
    private let commitMaxRows: Int
    let logger: Logger
    let clock: PipelineClock
    let stats: IngestStats
    private let onCommit: (@Sendable ([AcceptedMessage], UInt64) -> Void)?
    /// Called after a commit that wrote outbox messages, to wake the outbox publisher.
    var onOutbox: (@Sendable () -> Void)?
    /// The maintenance planner, when maintenance planning runs in this pipeline.
    var maintenance: MaintenanceStage?
    /// Credits for received messages, given back once they are committed.
    var gate: UncommittedGate? {
        didSet { commitEarlyAt = max(1, (gate?.limit ?? Int.max) / 2) }
    }
    private var commitEarlyAt = Int.max
    /// Messages taken from the queue since the last commit.
    private var received = 0
    /// Called after a commit with the devices whose risk inputs it changed.
    var onRiskInputs: (@Sendable ([Int64]) -> Void)?
    /// Called once when a commit is fenced out (a cluster node lost a partition's lease): the
    /// worker gives up the batch and stops; the node decides what to consume next.
    var onFenced: (@Sendable () -> Void)?
    /// The checkpoint thread, which asks the worker to let the WAL start over when it is too long.
    var checkpoints: CheckpointService?
    /// Checkpointing after each commit until the WAL has started over (see `checkpointBetweenCommits`).
    private var restartingWAL = false
    let writerCheckpoints = Counter(label: "equipwatch_store_writer_checkpoints_total")
    let topics: Topics
    let noticeMessage: NoticeMessage
    /// The must-not-use status a raised hazard sets, written in its commit (the registry's types).
    var settler: ComplianceSettler
    /// When the broker connection was lost (nil: connected), from the subscriber.
    var brokerDownSince: @Sendable () -> Int64? = { nil }
    /// Whether the pipeline itself is receiving (its own outages, recorded for supervisors).
    var reception: ReceptionWatch
    /// Outage rows not yet written (the store may be what failed).
    var pendingOutages: [(cause: OutageCause, since: Int64, end: Int64?)] = []
    /// Arrival of the newest message processed, for the backlog's age.
    private var processedArrival: Int64 = .min
    let receiving = Gauge(label: "equipwatch_pipeline_receiving")
    /// 1 while commits fail (a full disk, a damaged store), 0 otherwise.
    private let storeFailing = Gauge(label: "equipwatch_store_failing")
    let outagesTotal = Counter(label: "equipwatch_pipeline_outages_total")

    /// Commit durations (swift-metrics; a histogram in Prometheus).
    private let commitTimer = Metrics.Timer(label: "equipwatch_store_commit_duration_seconds", preferredDisplayUnit: .seconds)
    /// Time spent in rule evaluation and the messages evaluated, added once per batch: their
    /// rates' ratio is the mean evaluation time per message. One message in `ruleTimingEvery` is
    /// timed and the time scaled up, so the clock is not read twice for every message.
    private let ruleSeconds = FloatingPointCounter(label: "equipwatch_rules_evaluation_seconds_total")
    private let ruleEvaluations = Counter(label: "equipwatch_rules_evaluations_total")
    private static let ruleTimingEvery = 16
    private var batchRuleNanos: UInt64 = 0
    private var batchRuleTimed = 0
    private var batchRuleEvaluations = 0
    private var output = IngestOutput()
    /// What the next commit writes: rows staged by validation, and what rules and planner decided.
    var batch = CommitBatch()
    var derived = RuleOutput()
    var planned = PlannerOutput()
    /// Cylinder fill checks, with the registry's part kept per cylinder and day.
    private let fills: FillStage
    private var pendingRows: Int { batch.rowCount + derived.count + planned.notices.count + planned.events.count + planned.applied.count }
    private var firstPending: UInt64?
    private var pendingDuplicates = 0
    /// Devices this commit touched (positions in `directory`). The newest telemetry `data` of
    /// each waits in its state's `lastData` until the commit, which takes it and clears it.
    private var touched: [Int] = []
    private var isTouched: [Bool]
    var pendingReasons: [DeadLetterReason: Int] = [:]
    private(set) var lastCommitSucceeded = true
    /// When a stop was asked for (monotonic ns; 0: not asked), set from the stopping thread: a
    /// commit the store keeps refusing is given up `shutdownTimeout` after it.
    private let stopAsked = Atomic<UInt64>(0)
    private let shutdownTimeoutNanos: UInt64
    /// The store refused the final commits past the shutdown timeout: the worker gives up.
    private var abandoned = false

    /// Asks the worker to stop; a commit stuck on a failing store is given up after the timeout.
    func requestStop() { stopAsked.store(monotonicNanos(), ordering: .relaxed) }

    init(store: any Store, validator: Validator, directory: DeviceDirectory, hook: any RuleHook,
         states: [Int64: DeviceStateUpdate], settings: Settings, logger: Logger, clock: PipelineClock,
         stats: IngestStats, onCommit: (@Sendable ([AcceptedMessage], UInt64) -> Void)?) {
        self.store = store
        fills = FillStage(days: store.localDays)
        (self.validator, self.directory, self.hook) = (validator, directory, hook)
        self.states = Self.byPosition(states, in: directory)
        isTouched = Array(repeating: false, count: directory.entries.count)
        commitIntervalNanos = UInt64(max(1, settings.store.commitInterval.milliseconds)) * 1_000_000
        commitMaxRows = settings.store.commitMaxRows
        shutdownTimeoutNanos = UInt64(max(0, settings.store.shutdownTimeout.milliseconds)) * 1_000_000
        let topics = Topics(prefix: settings.broker.topicPrefix)
        self.topics = topics
        noticeMessage = { id, notice in NoticeFeed.message(id: id, notice, topics: topics) }
        settler = Self.settler(directory, topics: topics, days: store.localDays)
        (self.logger, self.clock, self.stats, self.onCommit) = (logger, clock, stats, onCommit)
        reception = ReceptionWatch(graceMs: settings.rules.outageGrace.milliseconds)
        receiving.record(1)
    }

    func run(queue: BoundedQueue<MessageBatch>, pendingDirectory: Pending<DeviceDirectory>, pendingRules: Pending<RuleSet>) {
        var lastTick = monotonicNanos()
        while true {
            if abandoned {
                queue.close()   // the network side may be waiting to hand over a batch: let it go
                return
            }
            if let rules = pendingRules.take() {
                if firstPending == nil { firstPending = monotonicNanos() }
                hook.reload(rules: rules, now: clock.now(), into: &derived)
                maintenance?.planner.reload(rules: rules)
                logger.notice("rules reloaded", metadata: ["packs": "\(rules.packs.count)", "rules": "\(rules.ruleIds.count)"])
            }
            let now = monotonicNanos()
            let due = min(firstPending.map { $0 + commitIntervalNanos } ?? .max, lastTick + commitIntervalNanos)
            let wait = due > now ? Double(due - now) / 1e9 : 0
            switch queue.pop(until: Date().addingTimeInterval(wait)) {
            case .element(let messages):
                if let d = pendingDirectory.take() {
                    // Positions change with the registry: carry each device's state by number.
                    commit(stopping: false)
                    var byNum: [Int64: DeviceStateUpdate] = [:]
                    for e in directory.entries { byNum[e.num] = states[e.index] }
                    states = Self.byPosition(byNum, in: d)
                    isTouched = Array(repeating: false, count: d.entries.count)
                    directory = d
                    settler = Self.settler(d, topics: topics, days: store.localDays)
                    hook.reload(directory: d)
                    fills.reload()
                    maintenance?.planner.reload(directory: d, now: clock.now())
                    logger.info("registry reloaded", metadata: ["devices": "\(d.entries.count)"])
                }
                process(messages)
                // Commit at half the uncommitted limit too: the network thread fills the other half
                // while this commit is written, instead of waiting for it. And commit as soon as
                // nothing else is waiting (group commit): below saturation a message is stored
                // within one hand-over of arriving instead of waiting out the commit interval;
                // under load the queue is never empty and commits grow as before.
                if pendingRows >= commitMaxRows || received >= commitEarlyAt || queue.count == 0 { commit(stopping: false) }
            case .timedOut:
                break
            case .finished:
                commit(stopping: true)
                return
            }
            let after = monotonicNanos()
            if after - lastTick >= commitIntervalNanos {
                lastTick = after
                watchReception(backlogMs: queue.count > 0 && processedArrival != .min ? max(0, clock.now() - processedArrival) : 0)
                let before = pendingRows
                hook.tick(now: clock.now(), directory: directory, into: &derived)
                maintenance?.tick(now: clock.now(), into: &planned)
                if pendingRows != before, firstPending == nil { firstPending = after }
            }
            if let first = firstPending, after - first >= commitIntervalNanos { commit(stopping: false) }
        }
    }

    private func process(_ messages: MessageBatch) {
        if firstPending == nil { firstPending = monotonicNanos() }
        received += messages.count
        messages.forEach { topic, payload, receivedAt in
            if receivedAt > processedArrival { processedArrival = receivedAt }
            if let m = maintenance, m.isCompletion(topic) {
                if let refused = m.complete(topic: topic, payload: payload, receivedAt: receivedAt, directory: directory) {
                    output.deadLetters.append(refused.deadLetter)
                    if let answer = refused.answer { batch.outbox.append(answer) }
                }
                return
            }
            validator.validate(topic: topic, payload: payload, receivedAt: receivedAt, directory: directory, into: &output)
        }
        for m in output.accepted { accept(m) }
        if batchRuleEvaluations > 0 {
            if batchRuleTimed > 0 {
                ruleSeconds.increment(by: Double(batchRuleNanos) / 1e9 * Double(batchRuleEvaluations) / Double(batchRuleTimed))
            }
            ruleEvaluations.increment(by: batchRuleEvaluations)
            batchRuleNanos = 0
            batchRuleTimed = 0
            batchRuleEvaluations = 0
        }
        for d in output.deadLetters { deadLetter(d) }
        for g in output.gatewayStatuses {
            batch.gatewayStatuses.append((g, clock.now()))
            logger.notice("gateway \(g.online ? "online" : "offline")", metadata: ["gateway": "\(g.gateway)"])
        }
        output.removeAll()
    }

    private func deadLetter(_ d: DeadLetter) {
        batch.deadLetters.append(d)
        pendingReasons[d.reason, default: 0] += 1
    }

    private func accept(_ m: AcceptedMessage) {
        let num = m.deviceNum
        let at = m.entryIndex
        // One in-place update of the device's state, by position.
        var (verdict, newest) = Self.update(&states[at], with: m)
        switch verdict {
        case .needsStoreCheck:
            // Seen before in this epoch, or behind the window with an old `ts`: a duplicate only
            // if this very message is stored (or staged); anything else is a late message, kept.
            if isKnown(m) {
                pendingDuplicates += 1
                states[at].duplicates += 1
                stage(at, data: nil)
                return
            }
            newest = Self.count(&states[at], m)
        case .gap(let from, let to):
            var w = JSONWriter()
            w.add("missing_from", Int64(bitPattern: from))
            w.add("missing_to", Int64(bitPattern: to))
            w.add("missing", Int64(bitPattern: to - from + 1))
            derived.events.append(DerivedEvent(deviceNum: num, ts: m.ts, code: .seqGap, data: w.finish(), receivedAt: m.receivedAt))
        case .reset(let previous):
            var w = JSONWriter()
            w.add("previous_highest", Int64(bitPattern: previous))
            w.add("seq", Int64(bitPattern: m.seq ?? 0))
            derived.events.append(DerivedEvent(deviceNum: num, ts: m.ts, code: .seqReset, data: w.finish(), receivedAt: m.receivedAt))
        case .first, .next, .late, nil:
            break
        }
        stage(at, data: m.kind == .telemetry && newest ? m.data : nil)
        batch.messages.append(m)
        let entry = directory.entries[m.entryIndex]
        var m = m
        if let fill = fills.check(m, entry: entry, type: directory.type(of: entry), directory: directory, arena: &output.values) {
            m = fill.message
            derived.events.append(fill.event)
            planned.notices += fill.notices
        }
        if batchRuleEvaluations % Self.ruleTimingEvery == 0 {
            let started = monotonicNanos()
            hook.evaluate(m, device: entry, type: directory.type(of: entry), into: &derived)
            batchRuleNanos &+= monotonicNanos() &- started
            batchRuleTimed += 1
        } else {
            hook.evaluate(m, device: entry, type: directory.type(of: entry), into: &derived)
        }
        batchRuleEvaluations += 1
        maintenance?.planner.observe(m, into: &planned)
    }

    /// Marks a device as touched by this commit, keeping the newest telemetry data staged for it.
    private func stage(_ at: Int, data: JSONBytes?) {
        if !isTouched[at] {
            isTouched[at] = true
            touched.append(at)
        }
        if let data { states[at].lastData = data }
    }

    /// Whether this very message (device, kind, `ts`, `seq`) is already staged in this commit or
    /// stored: a redelivery. Only asked for the rare messages the sequence window cannot place.
    /// A store that cannot answer counts as "not stored": a duplicate row is better than a loss.
    private func isKnown(_ m: AcceptedMessage) -> Bool {
        for s in batch.messages.reversed() where s.deviceNum == m.deviceNum && s.ts == m.ts && s.seq == m.seq && s.kind == m.kind {
            return true
        }
        do { return try store.contains(m) } catch {
            logger.error("cannot check for a duplicate; keeping the message", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Commits the staged batch, retrying a failing store (locked, disk full) with backoff:
    /// meanwhile the queue fills and the network thread stops reading, so nothing is dropped.
    private func commit(stopping: Bool) {
        guard !abandoned else { return }
        defer {
            firstPending = nil
            gate?.release(received)
            received = 0
        }
        for at in touched {
            let u = states[at]
            isTouched[at] = false
            states[at].lastData = nil   // it refers to an arena block: kept no longer than the commit
            batch.deviceStates[directory.entries[at].num] = u
        }
        touched.removeAll(keepingCapacity: true)
        batch.ruleStates = hook.drainState(force: stopping)
        if let maintenance { batch.plannerStates = maintenance.prepare(alarms: derived.alarms, &planned, now: clock.now(), stopping: stopping) }
        stageDecisions()
        guard !batch.isEmpty else { return }
        var delay = 0.05
        let started = Date()
        let commitStarted = monotonicNanos()
        var refusedMessages = 0
        // Transient failures (busy, locked, I/O, disk full): the same rows may succeed later.
        // Meanwhile the queue fills and the network thread stops reading: nothing dropped.
        func waitAfter(_ error: StoreError) {
            if stats.storeFailure == nil {
                if error.isDamage {
                    logger.critical("""
                        the store is damaged: nothing is stored or acknowledged beyond what is received until it is restored \
                        (stop, restore a backup, start: docs/operations.md)
                        """, metadata: ["error": "\(error)", "store": "\(store.path)"])
                } else {
                    logger.error("commit failed, retrying with backoff", metadata: ["error": "\(error)", "rows": "\(batch.rowCount)"])
                }
                storeFailing.record(1)
            }
            stats.storeFailed("\(error)", at: clock.now())
            watchReception(backlogMs: 0)
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, 2)
        }
        while true {
            do {
                let refused = try store.commitSalvaging(batch, whileTransient: waitAfter)
                if !refused.isEmpty { refusedMessages = quarantine(refused) }
                if stats.storeFailure != nil {
                    stats.storeRecovered()
                    storeFailing.record(0)
                    logger.notice("the store accepts commits again; the WAL is checkpointed after each commit until it starts over")
                    watchReception(backlogMs: 0)
                    // A backlog drained at full speed right after a full disk refills it with WAL
                    // faster than a checkpoint in passing empties it: keep the WAL short first.
                    restartingWAL = true
                }
                break
            } catch where error.isFenced {
                // Another node owns (some of) these partitions now: what this batch holds was
                // acknowledged and is not stored (at most `max_uncommitted` messages, seen by the
                // new owner as sequence gaps). Nothing more is written from this engine.
                logger.error("commit fenced out: this node no longer owns the partitions; \(batch.messages.count) messages not stored",
                             metadata: ["error": "\(error)"])
                lastCommitSucceeded = false
                abandoned = true
                onFenced?()
                return
            } catch {
                let asked = stopAsked.load(ordering: .relaxed)
                if stopping && Date().timeIntervalSince(started) > Double(shutdownTimeoutNanos) / 1e9
                    || asked != 0 && monotonicNanos() - asked > shutdownTimeoutNanos {
                    logger.critical("giving up on a commit at shutdown: \(batch.rowCount) rows are not stored", metadata: ["error": "\(error)"])
                    lastCommitSucceeded = false
                    abandoned = true
                    return
                }
                waitAfter(error)
            }
        }
        stats.committed(at: clock.now())
        stats.workerUsed(cpuNanos: threadCPUNanos())
        commitTimer.recordNanoseconds(Int64(monotonicNanos() - commitStarted))
        stats.record(accepted: batch.messages.count - refusedMessages, duplicates: pendingDuplicates, deadLetters: pendingReasons)
        stats.recordAlarms(derived.alarms)
        onCommit?(batch.messages, monotonicNanos())
        if !batch.outbox.isEmpty || !batch.notices.isEmpty { onOutbox?() }
        if let onRiskInputs {
            var devices = planned.riskInputsChanged
            for c in derived.alarms where c.isPublished { devices.append(c.alarm.deviceNum) }
            if !devices.isEmpty { onRiskInputs(devices) }
        }
        pendingDuplicates = 0
        pendingReasons.removeAll(keepingCapacity: true)
        batch.removeAll()
        derived.removeAll()
        planned.removeAll()
        if !stopping, let checkpoints, restartingWAL || checkpoints.takeRestartRequest() || checkpoints.walPastLimit() {
            restartingWAL = checkpointBetweenCommits(limitFrames: checkpoints.walLimitFrames)
        }
    }

    /// Rows the store refused for good become `store_rejected` dead letters with SQLite's error
    /// (a refused reading or event keeps its data), written in their own commit.
    /// Returns how many of them were gateway messages.
}
