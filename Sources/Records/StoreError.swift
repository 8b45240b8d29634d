import Foundation

/// Store failures, with the path or the operation, and SQLite's own codes when SQLite refused.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case cannotOpen(path: String, reason: String)
    /// SQLite refused: `code` is the primary result code (`SQLITE_BUSY` = 5, `SQLITE_CONSTRAINT`
    /// = 19...), `extendedCode` the extended one, `message` SQLite's text.
    case sqlite(operation: String, code: Int32, extendedCode: Int32, message: String)
    case failed(operation: String, reason: String)

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
