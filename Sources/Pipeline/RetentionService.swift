import Domain
import Foundation
import Logging
import Settings
import Records
import Services
import Storage

/// Keeps the store bounded (SPEC §14): on its own thread, every `retention.interval`, replaces
/// raw readings older than `retention.raw` by hourly aggregates, keeping those around each
/// incident as its evidence. Each step is one small transaction (`retention.chunk` readings), so
/// the worker's commits wait at most one step for the write lock.
public final class RetentionService: @unchecked Sendable {
    private let store: any Store
    private let settings: Settings.Retention
    private let clock: PipelineClock
    private let logger: Logger
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var running = false
    private let finished = DispatchSemaphore(value: 0)

    public init(store: any Store, settings: Settings.Retention, clock: PipelineClock, logger: Logger) {
        (self.store, self.settings, self.clock, self.logger) = (store, settings, clock, logger)
    }

    public var policy: RetentionPolicy {
        var p = RetentionPolicy()
        p.rawMs = settings.raw.milliseconds
        p.evidenceBeforeMs = settings.evidenceBefore.milliseconds
        p.evidenceAfterMs = settings.evidenceAfter.milliseconds
        p.chunk = settings.chunk
        p.deadLettersMs = settings.deadLetters.milliseconds
        return p
    }

    /// Starts the retention thread: a pass now, then every `retention.interval`.
    public func start() {
        condition.withLock { running = true }
        let t = Thread { [self] in loop() }
        t.name = "retention"
        t.start()
    }

    /// Stops the thread; a pass under way stops at its next step.
    public func stop() {
        let wasRunning = condition.withLock {
            defer { running = false; condition.broadcast() }
            return running
        }
        if wasRunning { finished.wait() }
    }

    private var isRunning: Bool { condition.withLock { running } }

    private func loop() {
        defer { finished.signal() }
        while isRunning {
            do {
                let share = settings.busyShare
                let r = try Self.prune(store: store, policy: policy, now: clock.now(), stop: { !self.isRunning }, pace: { busy in
                    // Pause for the rest of the step's share, waking at once for a stop.
                    let pause = busy * (1 / share - 1)
                    self.condition.withLock {
                        let until = Date().addingTimeInterval(pause)
                        while self.running, Date() < until { _ = self.condition.wait(until: until) }
                    }
                })
                if r.deadLetters > 0 { logger.info("retention: old dead letters deleted", metadata: ["deleted": "\(r.deadLetters)"]) }
                if r.pruned > 0 {
                    logger.info("retention: raw readings replaced by hourly aggregates",
                                metadata: ["pruned": "\(r.pruned)", "kept_as_evidence": "\(r.evidence)"])
                }
                if r.unreadable > 0 { logger.warning("retention: stored readings whose data is not JSON were pruned without aggregates", metadata: ["rows": "\(r.unreadable)"]) }
            } catch {
                logger.error("retention: pruning failed; it runs again at the next interval", metadata: ["error": "\(error)"])
            }
            condition.withLock {
                let until = Date().addingTimeInterval(settings.interval.seconds)
                while running, Date() < until { _ = condition.wait(until: until) }
            }
        }
    }

    /// Prunes every device's readings older than the policy allows, step by step; `stop` is
    /// asked between steps, and `pace` told how long each step kept the store busy (seconds).
    /// Also what `equipwatch store prune` runs (unpaced).
    public static func prune(store: any Store, policy: RetentionPolicy, now: Int64, stop: () -> Bool = { false },
                             pace: (Double) -> Void = { _ in }) throws(StoreError) -> PruneResult {
        let cutoff = now - policy.rawMs
        // The stream resumes at most a week back (SPEC §7 asks for 24 h).
        try store.pruneChanges(before: now - 7 * 86_400_000)
        var total = PruneResult()
        while !stop() {
            let started = Date()
            let n = try store.pruneDeadLetters(before: now - policy.deadLettersMs, limit: policy.chunk)
            pace(Date().timeIntervalSince(started))
            total.deadLetters += n
            if n < policy.chunk { break }
        }
        for device in try store.devicesWithReadings(before: cutoff) {
            while !stop() {
                let started = Date()
                let step = try store.pruneReadings(device: device, before: cutoff, policy: policy)
                pace(Date().timeIntervalSince(started))
                total = total + step
                if step.pruned < policy.chunk { break }
            }
            if stop() { break }
        }
        // Stores kept in time partitions (PostgreSQL) drop the emptied ones: their space is free
        // at once. A single-table store (SQLite) has none.
        if !stop() { _ = try store.dropEmptyPartitions(before: cutoff) }
        return total
    }
}
