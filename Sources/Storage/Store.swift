import Domain
import Records
import Foundation
import GRDB

/// The SQLite store: one file in the data folder, WAL mode, versioned schema.
///
/// One process writes (the pipeline's worker, or an import command); any number read at the
/// same time (the query commands), which WAL allows without blocking the writer.
public final class SQLiteStore: Store {
    /// The file, or `:memory:`-like description of a store opened on a given writer.
    public let path: String
    /// Reads in process cost no round trips: `body` runs as it is (each read its own snapshot).
    public func snapshot<T>(_ body: () throws -> T) throws -> T { try body() }
    /// A `DatabasePool` on the file in production; any GRDB writer (a `DatabaseQueue` on a
    /// temporary file or in memory) in tests. Named `pool` for the common case.
    let pool: any DatabaseWriter
    /// The days people count (the display zone's): a major hazard's day is read in it, and the
    /// cores above ask it which day an instant falls on. Asia/Shanghai unless told otherwise.
    public let localDays: LocalDays

    /// Opens (creating when `create` is true) the store and migrates it to the current schema.
    public init(path: String, create: Bool = true, localDays: LocalDays = .china) throws(StoreError) {
        (self.path, self.localDays) = (path, localDays)
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else { throw StoreError.missing(path: path) }
            let dir = (path as NSString).deletingLastPathComponent
            do { try fm.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true) }
            catch { throw StoreError.cannotOpen(path: path, reason: "cannot create its folder: \(error)") }
        }
        pool = try Self.openPool(path: path)
    }

    /// Opens a store on `writer` (tests: a temporary database) and migrates it.
    public init(writer: any DatabaseWriter, description: String = "temporary database", localDays: LocalDays = .china) throws(StoreError) {
        path = description
        self.localDays = localDays
        do { try Schema.migrator.migrate(writer) } catch { throw StoreError.cannotOpen(path: description, reason: "\(error)") }
        pool = writer
    }

    private static func openPool(path: String) throws(StoreError) -> DatabasePool {
        var config = Configuration()
        // A writer that finds the database locked (an import while `run` writes) waits instead of failing.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL with synchronous=NORMAL: commits are durable against a process crash, and at
            // worst the last transactions are lost on power loss; fsync only at checkpoints.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
            return pool
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Schema version identifiers applied to this store, oldest first.
    func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Writes the WAL back into the database file and truncates it (after a bulk load, so the
    /// next writer does not pay for it).
    public func checkpoint() throws(StoreError) {
        do { try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) } }
        catch { throw StoreError(operation: "checkpoint", error) }
    }

    /// Runs a read-only query against a consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    /// Runs `body` in one write transaction.
    public func write<T>(_ body: (Database) throws -> T) throws -> T { try pool.write(body) }
}

extension StoreError {
    /// Wraps whatever an operation threw, keeping SQLite's result codes.
    public init(operation: String, _ error: any Error) {
        switch error {
        case let e as StoreError: self = e
        case let e as DatabaseError:
            self = .sqlite(operation: operation, code: e.resultCode.primaryResultCode.rawValue,
                           extendedCode: e.extendedResultCode.rawValue, message: e.message ?? "\(e)")
        default: self = .failed(operation: operation, reason: "\(error)")
        }
    }
}
