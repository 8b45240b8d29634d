import Domain
import Records
import Foundation
import Ingest
import Metrics
import Rules
import Synchronization

/// Running totals of the ingest path, readable from any thread (tests, bench, logs), and
/// mirrored to swift-metrics so any metrics backend (Prometheus for `/metrics`) sees them.
public final class IngestStats: Sendable {
    private struct Totals {
        var accepted = 0
        var deadLetters = 0
        var duplicates = 0
        var commits = 0
        var byReason: [DeadLetterReason: Int] = [:]
        var alarmsRaised = 0
        var alarmChanges = 0
        var storeFailure: StoreFailure?
        var lastCommitAt: Int64?
        var workerCPUNanos: UInt64 = 0
    }

    private let totals = Mutex(Totals())
    private let alarmCounter = Counter(label: "equipwatch_alarms_raised_total")

    private let acceptedCounter = Counter(label: "equipwatch_ingest_accepted_total")
    private let duplicateCounter = Counter(label: "equipwatch_ingest_duplicates_total")
    private let commitCounter = Counter(label: "equipwatch_store_commits_total")
    private let reasonCounters: [DeadLetterReason: Counter] = Dictionary(uniqueKeysWithValues: DeadLetterReason.allCases.map {
        ($0, Counter(label: "equipwatch_ingest_dead_letters_total", dimensions: [("reason", $0.rawValue)]))
    })

    public init() {}

    public var accepted: Int { totals.withLock { $0.accepted } }
    public var deadLetters: Int { totals.withLock { $0.deadLetters } }
    public var duplicates: Int { totals.withLock { $0.duplicates } }
    public var commits: Int { totals.withLock { $0.commits } }
    /// Dead letters since start with `reason`.
    public func deadLetters(_ reason: DeadLetterReason) -> Int { totals.withLock { $0.byReason[reason] ?? 0 } }
    var alarmsRaised: Int { totals.withLock { $0.alarmsRaised } }
    /// Committed alarm changes of any kind (pending, raised, repeated, resolved...).
    var alarmChanges: Int { totals.withLock { $0.alarmChanges } }

    /// Set while commits fail and are retried (health checks read it); nil when healthy.
    public var storeFailure: StoreFailure? { totals.withLock { $0.storeFailure } }

    /// When the last commit landed (wall clock, epoch ms); nil before the first.
    public var lastCommitAt: Int64? { totals.withLock { $0.lastCommitAt } }

    func committed(at now: Int64) { totals.withLock { $0.lastCommitAt = now } }

    /// CPU time the ingest worker thread has used so far (read at each commit): against wall
    /// time, how busy the worker is — whether it or something else limits ingest (`bench`).
    public var workerCPUSeconds: Double { totals.withLock { Double($0.workerCPUNanos) / 1e9 } }

    func workerUsed(cpuNanos: UInt64) { totals.withLock { $0.workerCPUNanos = cpuNanos } }

    func storeFailed(_ error: String, at now: Int64) {
        totals.withLock { $0.storeFailure = StoreFailure(since: $0.storeFailure?.since ?? now, error: error) }
    }

    func storeRecovered() { totals.withLock { $0.storeFailure = nil } }

    func recordAlarms(_ changes: [AlarmChange]) {
        guard !changes.isEmpty else { return }
        // Counted, not filtered: a fleet-wide burst (100 k devices silent at once) is one commit of
        // 100 k changes, and a filtered copy of them was the largest allocation of that moment.
        var raised = 0
        for c in changes where c.transition == .raised { raised += 1 }
        totals.withLock {
            $0.alarmsRaised += raised
            $0.alarmChanges += changes.count
        }
        alarmCounter.increment(by: raised)
    }

    /// Adds one commit's counts (called once per commit, not per message).
    func record(accepted: Int, duplicates: Int, deadLetters: [DeadLetterReason: Int]) {
        let total = deadLetters.values.reduce(0, +)
        totals.withLock {
            $0.accepted += accepted
            $0.duplicates += duplicates
            $0.deadLetters += total
            $0.commits += 1
            for (r, n) in deadLetters { $0.byReason[r, default: 0] += n }
        }
        acceptedCounter.increment(by: accepted)
        duplicateCounter.increment(by: duplicates)
        commitCounter.increment()
        for (r, n) in deadLetters { reasonCounters[r]?.increment(by: n) }
    }
}
