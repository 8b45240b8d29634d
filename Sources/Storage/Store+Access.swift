import Dispatch
import Foundation

extension Store {
    /// The threads async callers' store work runs on: GCD's, never Swift's cooperative pool.
    private static let accessQueue = DispatchQueue(label: "equipwatch.store.access", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` with this store on one of the store's own threads and awaits its result.
    ///
    /// SQLite calls block their thread until the disk or a lock answers. The cooperative pool has
    /// one thread per core (two here), so a handler that read SQLite on it would stall every task
    /// of the process (other requests, live streams, the tests beside a server) for as long as
    /// the read takes. Every async caller (HTTP handlers, bearer auth, the change feed) goes
    /// through here; the worker and the commands, which own threads of their own, call the store
    /// directly.
    public func access<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await Self.offload { try body(self) }
    }

    /// `access` for work that holds its store already (a page query's closure).
    public static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            accessQueue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
