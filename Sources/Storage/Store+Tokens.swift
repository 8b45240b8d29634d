import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// Stores a token by its SHA-256 (the secret itself is never written); returns its id.
    public func createToken(name: String, role: Role, hash: String, expiresAt: Int64?, now: Int64) throws(StoreError) -> Int64 {
        do {
            return try pool.write { db in
                try db.execute(sql: "INSERT INTO api_tokens(name, role, hash, created_at, expires_at) VALUES (?,?,?,?,?)",
                               arguments: [name, role.description, hash, now, expiresAt])
                return db.lastInsertedRowID
            }
        } catch {
            throw StoreError(operation: "create a token", error)
        }
    }

    /// Every token, newest first, without secrets.
    public func tokens() throws(StoreError) -> [TokenItem] {
        try rows(TokenItem.self, "SELECT id, name, role, created_at, expires_at, revoked_at FROM api_tokens ORDER BY id", [])
    }

    /// Revokes a token; false when there is no such token. Revoking twice keeps the first time.
    public func revokeToken(id: Int64, at now: Int64) throws(StoreError) -> Bool {
        do {
            return try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM api_tokens WHERE id = ?)", arguments: [id]) == true else { return false }
                try db.execute(sql: "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [now, id])
                return true
            }
        } catch {
            throw StoreError(operation: "revoke token \(id)", error)
        }
    }

    /// Which of the tokens `ids` are still valid at `now` (not revoked, not expired): open
    /// streams re-check theirs with one query.
    public func validTokens(_ ids: Set<Int64>, now: Int64) throws(StoreError) -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let list = Array(ids)
        let marks = Array(repeating: "?", count: list.count).joined(separator: ",")
        do {
            return try pool.read { db in
                Set(try Int64.fetchAll(db, sql: """
                    SELECT id FROM api_tokens WHERE id IN (\(marks)) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                    """, arguments: StatementArguments(list.map { $0 as any DatabaseValueConvertible } + [now])))
            }
        } catch {
            throw StoreError(operation: "check stream tokens", error)
        }
    }

    /// The grant of the token whose SHA-256 is `hash`, checked against revocation and expiry at
    /// `now`. Read on every request, so a revocation takes effect at the next request.
    public func grant(hash: String, now: Int64) throws(StoreError) -> Result<TokenGrant, TokenRefusal> {
        let row: Row?
        do {
            row = try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT id, name, role, expires_at, revoked_at FROM api_tokens WHERE hash = ?", arguments: [hash])
            }
        } catch {
            throw StoreError(operation: "check a token", error)
        }
        guard let row else { return .failure(.unknown) }
        if (row["revoked_at"] as Int64?) != nil { return .failure(.revoked) }
        if let expires: Int64 = row["expires_at"], expires <= now { return .failure(.expired) }
        guard let role = Role(parsing: row["role"]) else { return .failure(.badRole) }
        return .success(TokenGrant(id: row["id"], name: row["name"], role: role))
    }
}
