import Foundation

/// Store failures, with the path or the operation, and the engine's own codes when it refused:
/// SQLite's result codes, PostgreSQL's SQLSTATE.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case cannotOpen(path: String, reason: String)
    /// The store's schema is newer than this binary's (refused), or older where this command
    /// does not migrate (`equipwatch store migrate` or `run` do, after a backup).
    case schema(path: String, reason: String)
    /// SQLite refused: `code` is the primary result code (`SQLITE_BUSY` = 5, `SQLITE_CONSTRAINT`
    /// = 19...), `extendedCode` the extended one, `message` SQLite's text.
    case sqlite(operation: String, code: Int32, extendedCode: Int32, message: String)
    /// PostgreSQL refused, or its connection failed: `sqlState` is the five-character SQLSTATE
    /// (`23505` a unique violation, `08006` a connection failure...), `message` the server's text.
    case postgres(operation: String, sqlState: String, message: String)
    case failed(operation: String, reason: String)
    /// A commit in cluster mode found a lease of its fence taken over or released: this node no
    /// longer owns (some of) the partitions the batch is for. Never retried and never salvaged.
    case fenced(reason: String)

    public var isFenced: Bool {
        if case .fenced = self { return true }
        return false
    }

    /// PostgreSQL's SQLSTATE, when PostgreSQL refused.
    public var sqlState: String? {
        if case .postgres(_, let state, _) = self { return state }
        return nil
    }

    /// SQLite's primary result code, when SQLite refused.
    public var sqliteCode: Int32? {
        if case .sqlite(_, let code, _, _) = self { return code }
        return nil
    }

    /// `SQLITE_BUSY`: another connection holds the lock this operation needed (a checkpoint
    /// meeting another checkpoint, a writer meeting a writer).
    public var isBusy: Bool { sqliteCode == 5 }

    /// SQLSTATE classes worth retrying: connection exceptions (08), transaction rollbacks such as
    /// serialization failures and deadlocks (40), insufficient resources such as a full disk
    /// (53), operator intervention such as a server shutting down (57) and system errors (58).
    private static let transientStateClasses: Set<Substring> = ["08", "40", "53", "57", "58"]

    /// Busy, locked, I/O error, disk full, cannot open: worth retrying, since the same write may
    /// succeed once the condition passes. Anything else (a constraint, a malformed row) fails
    /// again the same way.
    public var isTransient: Bool {
        if let state = sqlState { return Self.transientStateClasses.contains(state.prefix(2)) }
        guard let code = sqliteCode else { return false }
        return [5, 6, 10, 13, 14, 15].contains(code)  // BUSY, LOCKED, IOERR, FULL, CANTOPEN, PROTOCOL
    }

    /// `SQLITE_CORRUPT` or `SQLITE_NOTADB`: the database file itself is damaged (truncated,
    /// overwritten). No row is at fault: nothing may be quarantined for it, and nothing stored
    /// until the store is restored.
    public var isDamage: Bool {
        // PostgreSQL's data_corrupted and index_corrupted.
        if let state = sqlState { return state == "XX001" || state == "XX002" }
        guard let code = sqliteCode else { return false }
        return code == 11 || code == 26
    }

    /// The failure is the store's, not a row's: worth retrying the whole batch (transient), or
    /// fatal until an operator restores the store (damage). Either way rows are never quarantined.
    public var isStoreFailure: Bool { isTransient || isDamage || isFenced }

    public var description: String {
        switch self {
        case .missing(let path): "no store at \(path): start `equipwatch run` first, or point --data at the right folder"
        case .cannotOpen(let path, let reason): "cannot open the store at \(path): \(reason)"
        case .schema(let path, let reason): "the store at \(path) \(reason)"
        case .sqlite(let operation, let code, let extended, let message): "\(operation) failed: \(message) (SQLite error \(code), extended \(extended))"
        case .postgres(let operation, let state, let message): "\(operation) failed: \(message) (PostgreSQL SQLSTATE \(state))"
        case .failed(let operation, let reason): "\(operation) failed: \(reason)"
        case .fenced(let reason): "fenced: \(reason)"
        }
    }
}


/// Whether opening a store may bring an older schema up to this binary's. A new (empty) store is
/// always given the current schema; an existing older one only by `run` and `store migrate`, so a
/// query of a newer binary never changes the schema under a running older service.
public enum SchemaUpgrade: Sendable {
    /// Refuse an older schema, naming the command that upgrades it.
    case refuse
    /// Migrate it (SQLite: after a `VACUUM INTO` backup beside the store).
    case migrate
}

/// What opening a store did to an older schema.
public struct SchemaUpgradeReport: Sendable, Equatable {
    /// The migrations that were applied, oldest first.
    public let applied: [String]
    /// The copy taken before (SQLite), or nil (PostgreSQL: back up with pg_dump first).
    public let backup: String?
    public init(applied: [String], backup: String?) { (self.applied, self.backup) = (applied, backup) }
}
