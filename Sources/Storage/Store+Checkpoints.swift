import Foundation
import GRDB

/// WAL checkpoints away from the writer.
///
/// By default SQLite checkpoints inside the commit that pushes the WAL past 1000 pages: the
/// committing thread copies the pages back into the database file and waits for `fsync`. On the
/// ingest worker that stalled every few commits, and the readings index — whose hot pages are
/// rewritten by nearly every commit — was copied back again each time. The pipeline instead
/// turns the writer's automatic checkpoints off and runs passive checkpoints on a connection of
/// their own, from a thread of its own, every `store.checkpoint_interval`: the worker only
/// appends to the WAL, and a page rewritten many times between checkpoints is copied once.
///
/// Durability is unchanged against a process crash (the WAL is the record); against power loss
/// the exposure is at most one interval (with `synchronous = NORMAL` only checkpoints `fsync`),
/// where the page-count trigger gave minutes at a low message rate.
public final class Checkpointer: Sendable {
    private let queue: DatabaseQueue
    private let store: Store

    /// Opens the checkpointer's own connection and turns the writer's automatic checkpoints off;
    /// nil for a store that is not a WAL file of its own (a test's temporary database).
    public init?(store: Store) throws(StoreError) {
        guard store.pool is DatabasePool else { return nil }
        self.store = store
        do {
            var config = Configuration()
            config.busyMode = .timeout(1)
            queue = try DatabaseQueue(path: store.path, configuration: config)
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        } catch {
            throw StoreError(operation: "open the checkpoint connection", error)
        }
    }

    /// What one checkpoint found and did, in WAL frames (pages).
    public struct Outcome: Sendable {
        public let walFrames: Int
        public let checkpointed: Int
    }

    /// Copies what it can of the WAL into the database file without waiting for readers or the
    /// writer (`PASSIVE`): frames a reader still needs stay for the next round.
    @discardableResult
    public func checkpoint() throws(StoreError) -> Outcome {
        do {
            return try queue.writeWithoutTransaction { db in
                let (log, done) = try db.checkpoint(.passive)
                return Outcome(walFrames: log, checkpointed: done)
            }
        } catch {
            throw StoreError(operation: "checkpoint", error)
        }
    }

    /// Gives the writer its automatic checkpoints back (the pipeline is stopping), then
    /// checkpoints once more.
    public func close() {
        try? store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
        _ = try? checkpoint()
        try? queue.close()
    }
}
