import Dispatch
import Foundation
import Synchronization

/// The threads async callers' store work runs on: threads of the store's own, never Swift's cooperative pool.
///
/// A store call blocks its thread until the disk, a lock or the database server answers. The
/// cooperative pool has one thread per core (two here), so a handler that called the store on it
/// would stall every task of the process (other requests, live streams, the tests beside a
/// server) for as long as the call takes. Every async caller (HTTP handlers, bearer auth, the
/// change feed) goes through `Store.access`; the worker and the commands, which own threads of
/// their own, call the store directly.
public enum StoreThreads {
    /// Store calls of async callers running at once, at most: the machine's cores. Callers beyond
    /// them wait their turn in order without holding a thread, so a burst of API reads cannot
    /// crowd out the ingest worker (`bench api`: eight readers at once on two cores took the
    /// worker's publish-to-commit p99 from 14 ms to 61 ms; two at once, as many as the
    /// cooperative pool used to run, keep it where it was).
    public static let width = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Threads of their own, not GCD's: GCD on Linux runs a concurrent queue's work on as many
    /// threads as there are cores, shared with every other user of its global queues, so a
    /// few blocking calls elsewhere in the process (a socket read, a semaphore) would leave the
    /// store's work waiting behind them.
    private static let pool = WorkerThreads(name: "store", count: width)

    /// Runs `body` on a store thread, once one is free, and awaits its result.
    public static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pool.run { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A fixed set of threads taking jobs in the order they came.
final class WorkerThreads: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
    }
    private let queue = Mutex(Queue())
    private let ready = DispatchSemaphore(value: 0)

    init(name: String, count: Int) {
        for i in 0..<count {
            let t = Thread { [self] in
                while true {
                    ready.wait()
                    let job = queue.withLock { q -> @Sendable () -> Void in
                        let job = q.jobs[q.head]
                        q.head += 1
                        if q.head > 64, q.head * 2 > q.jobs.count {
                            q.jobs.removeFirst(q.head)
                            q.head = 0
                        }
                        return job
                    }
                    job()
                }
            }
            t.name = "\(name)-\(i)"
            t.start()
        }
    }

    /// Queues `job`; a free thread runs it.
    func run(_ job: @escaping @Sendable () -> Void) {
        queue.withLock { $0.jobs.append(job) }
        ready.signal()
    }
}

extension Store {
    /// Runs `body` with this store on one of the store threads and awaits its result
    /// (`StoreThreads`): how async code reads and writes.
    public func access<T: Sendable>(_ body: @escaping @Sendable (Self) throws -> T) async throws -> T {
        try await StoreThreads.offload { try body(self) }
    }
}
