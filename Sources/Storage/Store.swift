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

    /// What opening did to an older schema (nil: it was current, or new).
    public let upgraded: SchemaUpgradeReport?

    /// The schema's migration identifiers, oldest first; the last names this binary's schema.
    public static var schemaIdentifiers: [String] { Schema.migrator.migrations }

    /// Opens (creating when `create` is true) the store. A new store gets the current schema; an
    /// older one is migrated only with `upgrade: .migrate`, after a backup beside it; a newer one
    /// is refused.
    public init(path: String, create: Bool = true, localDays: LocalDays = .china, upgrade: SchemaUpgrade = .migrate) throws(StoreError) {
        (self.path, self.localDays) = (path, localDays)
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else { throw StoreError.missing(path: path) }
            let dir = (path as NSString).deletingLastPathComponent
            do { try fm.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true) }
            catch { throw StoreError.cannotOpen(path: path, reason: "cannot create its folder: \(error)") }
        }
        (pool, upgraded) = try Self.openPool(path: path, upgrade: upgrade)
    }

    /// Opens a store on `writer` (tests: a temporary database) and migrates it.
    public init(writer: any DatabaseWriter, description: String = "temporary database", localDays: LocalDays = .china) throws(StoreError) {
        path = description
        self.localDays = localDays
        do { try Schema.migrator.migrate(writer) } catch { throw StoreError.cannotOpen(path: description, reason: "\(error)") }
        pool = writer
        upgraded = nil
    }

    private static func openPool(path: String, upgrade: SchemaUpgrade) throws(StoreError) -> (DatabasePool, SchemaUpgradeReport?) {
        var config = Configuration()
        // A writer that finds the database locked (an import while `run` writes) waits instead of failing.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL with synchronous=NORMAL: commits are durable against a process crash, and at
            // worst the last transactions are lost on power loss; fsync only at checkpoints.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        let applied: Set<String>
        do {
            pool = try DatabasePool(path: path, configuration: config)
            applied = try pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        let known = Schema.migrator.migrations
        let newer = applied.subtracting(known)
        guard newer.isEmpty else {
            throw StoreError.schema(path: path, reason: "has a newer schema than this binary's (\(newer.sorted().joined(separator: ", "))): run the newer EquipWatch that wrote it (`equipwatch --version` names this one's schema, \(known.last ?? "none"))")
        }
        let missing = known.filter { !applied.contains($0) }
        var report: SchemaUpgradeReport?
        if !applied.isEmpty, !missing.isEmpty {
            guard upgrade == .migrate else {
                throw StoreError.schema(path: path, reason: "has an older schema than this binary's (it lacks \(missing.joined(separator: ", "))): `equipwatch store migrate` upgrades it after a backup (or start `equipwatch run`, which does the same); docs/operations.md, \"Upgrades\"")
            }
            let stamp = Int64(Date().timeIntervalSince1970)
            let backup = "\(path).before-\(missing[0])-\(stamp)"
            do { try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [backup]) } }
            catch { throw StoreError.cannotOpen(path: path, reason: "cannot back it up before upgrading its schema to \(backup): \(error)") }
            report = SchemaUpgradeReport(applied: missing, backup: backup)
        }
        do {
            try Schema.migrator.migrate(pool)
            return (pool, report)
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
