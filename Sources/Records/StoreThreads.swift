import Dispatch

/// The threads async callers' store work runs on: GCD's, never Swift's cooperative pool.
///
/// A store call blocks its thread until the disk, a lock or the database server answers. The
/// cooperative pool has one thread per core (two here), so a handler that called the store on it
/// would stall every task of the process (other requests, live streams, the tests beside a
/// server) for as long as the call takes. Every async caller (HTTP handlers, bearer auth, the
/// change feed) goes through `Store.access`; the worker and the commands, which own threads of
/// their own, call the store directly.
public enum StoreThreads {
    private static let queue = DispatchQueue(label: "equipwatch.store.access", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` on a store thread and awaits its result.
    public static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

extension Store {
    /// Runs `body` with this store on one of the store threads and awaits its result
    /// (`StoreThreads`): how async code reads and writes.
    public func access<T: Sendable>(_ body: @escaping @Sendable (Self) throws -> T) async throws -> T {
        try await StoreThreads.offload { try body(self) }
    }
}
