import Dispatch
import Foundation
import Synchronization

/// The threads async callers' store work runs on: GCD's, never Swift's cooperative pool.
///
/// A store call blocks its thread until the disk, a lock or the database server answers. The
/// cooperative pool has one thread per core (two here), so a handler that called the store on it
/// would stall every task of the process (other requests, live streams, the tests beside a
/// server) for as long as the call takes. Every async caller (HTTP handlers, bearer auth, the
/// change feed) goes through `Store.access`; the worker and the commands, which own threads of
/// their own, call the store directly.
public enum StoreThreads {
    /// Store calls of async callers running at once, at most: the machine's cores. Callers beyond
    /// them wait their turn without holding a thread, so a burst of API reads cannot crowd out
    /// the ingest worker (`bench api`: eight readers at once on two cores took the worker's
    /// publish-to-commit p99 from 14 ms to 61 ms; two at once, as many as the cooperative pool
    /// used to run, keep it where it was).
    public static let width = max(2, ProcessInfo.processInfo.activeProcessorCount)

    private static let queue = DispatchQueue(label: "equipwatch.store.access", qos: .userInitiated, attributes: .concurrent)
    private static let gate = AsyncGate(width: width)

    /// Runs `body` on a store thread, once one of the `width` places is free, and awaits its result.
    public static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        await gate.enter()
        defer { gate.leave() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// At most `width` holders at once; the others wait (suspended, not blocking a thread) in the
/// order they came.
final class AsyncGate: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(width: Int) { state = Mutex(State(free: width)) }

    func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                guard s.free > 0 else {
                    s.waiting.append(continuation)
                    return false
                }
                s.free -= 1
                return true
            }
            if go { continuation.resume() }
        }
    }

    func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.waiting.isEmpty else {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}

extension Store {
    /// Runs `body` with this store on one of the store threads and awaits its result
    /// (`StoreThreads`): how async code reads and writes.
    public func access<T: Sendable>(_ body: @escaping @Sendable (Self) throws -> T) async throws -> T {
        try await StoreThreads.offload { try body(self) }
    }
}
