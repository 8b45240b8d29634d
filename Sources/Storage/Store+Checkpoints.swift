import Foundation
import Records
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
///
/// Passive checkpoints alone never *restart* the WAL while the writer commits every few
/// milliseconds: SQLite starts the WAL file over only when a writer begins a transaction with
/// every frame already copied back, and frames keep arriving while a checkpoint copies. A backlog
/// draining for an hour would grow the WAL by gigabytes. So when a checkpoint finds the WAL past
/// `walLimitBytes`, the writer finishes the job between two of its commits
/// (`Store.checkpointOnWriter`), which lets its next transaction restart the WAL; the WAL file is
/// then cut back to the limit (`journal_size_limit`).
public final class Checkpointer: StoreCheckpointer {
    private let queue: DatabaseQueue
    private let store: SQLiteStore
    /// The WAL size, in frames, past which `CheckpointOutcome.isOverLimit` asks the writer for a restart.
    public let walLimitFrames: Int

    /// Opens the checkpointer's own connection and turns the writer's automatic checkpoints off;
    /// nil for a store that is not a WAL file of its own (a test's temporary database).
    public init?(store: SQLiteStore, walLimitBytes: Int = 64 << 20) throws(StoreError) {
        guard store.pool is DatabasePool else { return nil }
        self.store = store
        do {
            var config = Configuration()
            config.busyMode = .timeout(1)
            queue = try DatabaseQueue(path: store.path, configuration: config)
            let pageSize = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
            walLimitFrames = max(1, walLimitBytes / (pageSize + 24))  // a frame: 24-byte header + page
            try store.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                try db.execute(sql: "PRAGMA journal_size_limit = \(max(0, walLimitBytes))")
            }
        } catch {
            throw StoreError(operation: "open the checkpoint connection", error)
        }
    }

    /// Copies what it can of the WAL into the database file without waiting for readers or the
    /// writer (`PASSIVE`): frames a reader still needs stay for the next round.
    @discardableResult
    public func checkpoint() throws(StoreError) -> CheckpointOutcome {
        do {
            return try queue.writeWithoutTransaction { db in
                try CheckpointOutcome(passiveCheckpointOn: db, limitFrames: walLimitFrames)
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

extension CheckpointOutcome {
    /// Runs a passive checkpoint on `db` and says how far it got against `limitFrames`.
    init(passiveCheckpointOn db: Database, limitFrames: Int) throws {
        let (log, done) = try db.checkpoint(.passive)
        self.init(walFrames: log, checkpointed: done, isOverLimit: log >= limitFrames)
    }
}

extension SQLiteStore {
    /// A passive checkpoint on the writer's own connection, between two of its transactions.
    /// With no other writer it copies back every frame no reader still needs, usually all of
    /// them, and then the writer's next transaction starts the WAL over. The checkpoint thread
    /// asks for it when the WAL is past its limit (`Checkpointer.walLimitFrames`). Frames a
    /// reader still needs stay; the WAL restarts at a later request.
    public func checkpointOnWriter(limitFrames: Int) throws(StoreError) -> CheckpointOutcome {
        do {
            return try pool.writeWithoutTransaction { db in
                try CheckpointOutcome(passiveCheckpointOn: db, limitFrames: limitFrames)
            }
        } catch {
            throw StoreError(operation: "checkpoint on the writer", error)
        }
    }
}

extension SQLiteStore {
    /// The WAL file's size in bytes now (0 when there is none, or the store is not a file): one
    /// `stat`, cheap enough to ask after every commit.
    public var walFileBytes: Int {
        var info = stat()
        guard stat(path + "-wal", &info) == 0 else { return 0 }
        return Int(info.st_size)
    }
}

extension SQLiteStore {
    public func openCheckpointer(walLimitBytes: Int) throws(StoreError) -> (any StoreCheckpointer)? {
        try Checkpointer(store: self, walLimitBytes: walLimitBytes)
    }
}
