import Foundation
import GRDB

/// The SQLite store: one file in the data folder, WAL mode, versioned schema.
///
/// One process writes (the pipeline's worker, or an import command); any number read at the
/// same time (the query commands), which WAL allows without blocking the writer.
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating when `create` is true) the store and migrates it to the current schema.
    public init(path: String, create: Bool = true) throws(StoreError) {
        self.path = path
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else { throw StoreError.missing(path: path) }
            let dir = (path as NSString).deletingLastPathComponent
            do { try fm.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true) }
            catch { throw StoreError.cannotOpen(path: path, reason: "cannot create its folder: \(error)") }
        }
        pool = try Self.openPool(path: path)
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
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Runs a read-only query against a consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    /// Runs `body` in one write transaction.
    public func write<T>(_ body: (Database) throws -> T) throws -> T { try pool.write(body) }
}

/// Store failures, with the path and the reason.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case cannotOpen(path: String, reason: String)
    case failed(operation: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "no store at \(path): start `equipwatch run` first, or point --data at the right folder"
        case .cannotOpen(let path, let reason): "cannot open the store at \(path): \(reason)"
        case .failed(let operation, let reason): "\(operation) failed: \(reason)"
        }
    }
}
