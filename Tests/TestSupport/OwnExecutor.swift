import Foundation
import Synchronization

/// A task executor on threads of its own, for a server under test and its client.
///
/// Swift Testing runs synchronous tests on the cooperative pool, and many of ours block there
/// (waiting for a broker, a commit, a process). With two cores the pool has two threads: two such
/// tests beside an API test left its server's handlers waiting for seconds (pages of 5–10 s in the
/// PostgreSQL round, a client timing out). Tasks that prefer this executor (and their structured
/// children: the server's connection and request tasks) run on these threads instead.
///
/// Shared by every task that prefers it: only for a serialized suite whose bodies do not block
/// (the live API suite). Suites that block on sockets in their bodies starve it as they would the
/// pool (tried on the API and stream suites: their timing tests failed).
public final class OwnExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = OwnExecutor(threads: 4)

    private let jobs = Mutex<[UnownedJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    init(threads: Int) {
        for i in 0..<threads {
            let t = Thread { [self] in
                while true {
                    ready.wait()
                    let job = jobs.withLock { $0.removeFirst() }
                    job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            t.name = "test-executor-\(i)"
            t.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        jobs.withLock { $0.append(unowned) }
        ready.signal()
    }
}

/// Runs `body` (and the tasks it starts in structured concurrency) on `OwnExecutor.shared`.
public func onOwnExecutor<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(OwnExecutor.shared, operation: body)
}
