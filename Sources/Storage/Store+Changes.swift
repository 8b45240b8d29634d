import Domain
import Records
import Foundation
import GRDB

extension ChangeKind: DatabaseValueConvertible {}

extension SQLiteStore {
    /// Records a change for the stream in the caller's transaction, with the device's firm and
    /// owner as they are now.
    static func insertChange(_ kind: ChangeKind, deviceNum: Int64, at: Int64, payload: String, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO changes(at, kind, device_num, firm, owner, payload) SELECT ?, ?, num, firm, owner, ? FROM devices WHERE num = ?
            """, arguments: [at, kind, payload, deviceNum])
    }

    /// Changes after `id` that `role` may see, oldest first.
    public func changes(after id: Int64, scope role: Role, limit: Int) throws(StoreError) -> [ChangeRow] {
        var c = Conditions([("c.id > ?", id)])
        c.scope(role, table: "c")
        do {
            return try pool.read { db in
                try ChangeRow.fetchAll(db, sql: "SELECT c.id, c.at, c.kind, c.firm, c.owner, c.payload FROM changes c \(c.sql) ORDER BY c.id LIMIT ?",
                                       arguments: c.arguments + [limit])
            }
        } catch {
            throw StoreError(operation: "read changes", error)
        }
    }

    /// The newest change's id (0 when there is none): where a new stream starts.
    public func lastChangeId() throws(StoreError) -> Int64 {
        do { return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM changes") ?? 0 } }
        catch { throw StoreError(operation: "read changes", error) }
    }

    /// Drops changes older than `before` (the stream resumes at most that far back).
    @discardableResult
    public func pruneChanges(before: Int64) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                try db.execute(sql: "DELETE FROM changes WHERE at < ?", arguments: [before])
                return db.changesCount
            }
        } catch {
            throw StoreError(operation: "prune changes", error)
        }
    }
}
