import Domain
import Records
import Foundation
import GRDB

/// The SQLite store: one file in the data folder, WAL mode, versioned schema.
///
/// One process writes (the pipeline's worker, or an import command); any number read at the
/// same time (the query commands), which WAL allows without blocking the writer.
public final class Store: Sendable {
    /// The file, or `:memory:`-like description of a store opened on a given writer.
    public let path: String
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

/// Store failures, with the path or the operation, and SQLite's own codes when SQLite refused.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case cannotOpen(path: String, reason: String)
    /// SQLite refused: `code` is the primary result code (`SQLITE_BUSY` = 5, `SQLITE_CONSTRAINT`
    /// = 19...), `extendedCode` the extended one, `message` SQLite's text.
    case sqlite(operation: String, code: Int32, extendedCode: Int32, message: String)
    case failed(operation: String, reason: String)

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

    /// SQLite's primary result code, when SQLite refused.
    public var sqliteCode: Int32? {
        if case .sqlite(_, let code, _, _) = self { return code }
        return nil
    }

    /// `SQLITE_BUSY`: another connection holds the lock this operation needed (a checkpoint
    /// meeting another checkpoint, a writer meeting a writer).
    public var isBusy: Bool { sqliteCode == 5 }

    /// Busy, locked, I/O error, disk full, cannot open: worth retrying, since the same write may
    /// succeed once the condition passes. Anything else (a constraint, a malformed row) fails
    /// again the same way.
    public var isTransient: Bool {
        guard let code = sqliteCode else { return false }
        return [5, 6, 10, 13, 14, 15].contains(code)  // BUSY, LOCKED, IOERR, FULL, CANTOPEN, PROTOCOL
    }

    /// `SQLITE_CORRUPT` or `SQLITE_NOTADB`: the database file itself is damaged (truncated,
    /// overwritten). No row is at fault: nothing may be quarantined for it, and nothing stored
    /// until the store is restored.
    public var isDamage: Bool {
        guard let code = sqliteCode else { return false }
        return code == 11 || code == 26
    }

    /// The failure is the store's, not a row's: worth retrying the whole batch (transient), or
    /// fatal until an operator restores the store (damage). Either way rows are never quarantined.
    public var isStoreFailure: Bool { isTransient || isDamage }

    public var description: String {
        switch self {
        case .missing(let path): "no store at \(path): start `equipwatch run` first, or point --data at the right folder"
        case .cannotOpen(let path, let reason): "cannot open the store at \(path): \(reason)"
        case .sqlite(let operation, let code, let extended, let message): "\(operation) failed: \(message) (SQLite error \(code), extended \(extended))"
        case .failed(let operation, let reason): "\(operation) failed: \(reason)"
        }
    }
}
