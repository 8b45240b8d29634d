import Domain
import Foundation
import Ingest
import Metrics
import Rules

/// Running totals of the ingest path, readable from any thread (tests, bench, logs), and
/// mirrored to swift-metrics so any metrics backend (Prometheus for `/metrics`) sees them.
public final class IngestStats: @unchecked Sendable {
    private let lock = NSLock()
    private var _accepted = 0
    private var _deadLetters = 0
    private var _duplicates = 0
    private var _commits = 0
    private var _byReason: [DeadLetterReason: Int] = [:]
    private var _alarmsRaised = 0
    private var _alarmChanges = 0
    private let alarmCounter = Counter(label: "equipwatch_alarms_raised_total")

    private let acceptedCounter = Counter(label: "equipwatch_ingest_accepted_total")
    private let duplicateCounter = Counter(label: "equipwatch_ingest_duplicates_total")
    private let commitCounter = Counter(label: "equipwatch_store_commits_total")
    private let reasonCounters: [DeadLetterReason: Counter] = Dictionary(uniqueKeysWithValues: DeadLetterReason.allCases.map {
        ($0, Counter(label: "equipwatch_ingest_dead_letters_total", dimensions: [("reason", $0.rawValue)]))
    })

    public init() {}

    public var accepted: Int { lock.withLock { _accepted } }
    public var deadLetters: Int { lock.withLock { _deadLetters } }
    public var duplicates: Int { lock.withLock { _duplicates } }
    public var commits: Int { lock.withLock { _commits } }
    public func deadLetters(_ reason: DeadLetterReason) -> Int { lock.withLock { _byReason[reason] ?? 0 } }
    public var alarmsRaised: Int { lock.withLock { _alarmsRaised } }
    /// Committed alarm changes of any kind (pending, raised, repeated, resolved...).
    public var alarmChanges: Int { lock.withLock { _alarmChanges } }

    func recordAlarms(_ changes: [AlarmChange]) {
        guard !changes.isEmpty else { return }
        let raised = changes.filter { $0.transition == .raised }.count
        lock.withLock {
            _alarmsRaised += raised
            _alarmChanges += changes.count
        }
        alarmCounter.increment(by: raised)
    }

    /// Adds one commit's counts (called once per commit, not per message).
    func record(accepted: Int, duplicates: Int, deadLetters: [DeadLetterReason: Int]) {
        let total = deadLetters.values.reduce(0, +)
        lock.withLock {
            _accepted += accepted
            _duplicates += duplicates
            _deadLetters += total
            _commits += 1
            for (r, n) in deadLetters { _byReason[r, default: 0] += n }
        }
        acceptedCounter.increment(by: accepted)
        duplicateCounter.increment(by: duplicates)
        commitCounter.increment()
        for (r, n) in deadLetters { reasonCounters[r]?.increment(by: n) }
    }
}
