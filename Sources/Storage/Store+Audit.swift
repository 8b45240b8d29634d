import Domain
import Records
import GRDB

extension AuditSource: DatabaseValueConvertible {}
extension AuditEntry: FetchableRecord {}
extension AuditHead: FetchableRecord {}

extension SQLiteStore {
    public func auditTip() throws(StoreError) -> AuditEntry? {
        try rows(AuditEntry.self, "SELECT seq, source, ref, content_hash, prev_hash, hash, sealed_at FROM audit_chain ORDER BY seq DESC LIMIT 1", []).first
    }

    /// Rows of `source` matching `condition`, each value as text (the chain's content).
    static func auditSelect(_ source: AuditSource, _ condition: String, _ arguments: StatementArguments, limit: Int? = nil, _ db: Database) throws -> [AuditRow] {
        let columns = source.columns
        return try Row.fetchAll(db, sql: """
            SELECT \(columns.joined(separator: ", ")), audit_seq FROM \(source.table) WHERE \(condition) ORDER BY \(source.order)\(limit.map { " LIMIT \($0)" } ?? "")
            """, arguments: arguments).map { row in
            let values: [String?] = (0..<columns.count).map { i in
                switch (row[i] as DatabaseValue).storage {
                case .null: nil
                case .int64(let v): String(v)
                case .double(let d): String(d)
                case .string(let s): s
                case .blob(let b): SHA256.hexString(Array(b))
                }
            }
            return AuditRow(source: source, ref: source.ref(values), values: values, sealedBy: row["audit_seq"])
        }
    }

    public func unsealedAuditRows(limit: Int) throws(StoreError) -> [AuditRow] {
        do {
            return try pool.read { db in
                var out: [AuditRow] = []
                for source in AuditSource.allCases where out.count < limit {
                    out += try Self.auditSelect(source, "audit_seq IS NULL", [], limit: limit - out.count, db)
                }
                return out
            }
        } catch {
            throw StoreError(operation: "read unsealed evidence", error)
        }
    }

    public func appendAudit(_ entries: [AuditEntry], rows: [AuditRow], after tip: Int64, head: AuditHead) throws(StoreError) -> Bool {
        do {
            return try pool.write { db in
                guard try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM audit_chain") == tip else { return false }
                for (e, r) in zip(entries, rows) {
                    try db.execute(sql: """
                        INSERT INTO audit_chain(seq, source, ref, content_hash, prev_hash, hash, sealed_at) VALUES (?,?,?,?,?,?,?)
                        """, arguments: [e.seq, e.source, e.ref, e.contentHash, e.prevHash, e.hash, e.sealedAt.millis])
                    switch r.source {
                    case .timeline:
                        try db.execute(sql: "UPDATE incident_timeline SET audit_seq = ? WHERE id = ? AND audit_seq IS NULL", arguments: [e.seq, r.values[0]])
                    case .evidence:
                        try db.execute(sql: "UPDATE incident_evidence SET audit_seq = ? WHERE incident_id = ? AND reading_id = ? AND audit_seq IS NULL",
                                       arguments: [e.seq, r.values[0], r.values[1]])
                    case .accident:
                        try db.execute(sql: "UPDATE accidents SET audit_seq = ? WHERE id = ? AND updated_at = ? AND audit_seq IS NULL",
                                       arguments: [e.seq, r.values[0], r.values.last ?? nil])
                    }
                }
                try db.execute(sql: """
                    INSERT INTO audit_heads(day, seq, hash, at) VALUES (?,?,?,?)
                    ON CONFLICT(day) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at
                    """, arguments: [head.day, head.seq, head.hash, head.at.millis])
                return true
            }
        } catch {
            throw StoreError(operation: "seal evidence", error)
        }
    }

    public func auditEntries(after: Int64, limit: Int) throws(StoreError) -> [AuditEntry] {
        try rows(AuditEntry.self, "SELECT seq, source, ref, content_hash, prev_hash, hash, sealed_at FROM audit_chain WHERE seq > ? ORDER BY seq LIMIT ?",
                 [after, limit])
    }

    public func auditRows(_ source: AuditSource, sealedFrom fromSeq: Int64, to toSeq: Int64) throws(StoreError) -> [AuditRow] {
        do { return try pool.read { db in try Self.auditSelect(source, "audit_seq BETWEEN ? AND ? OR audit_seq IS NULL", [fromSeq, toSeq], db) } }
        catch { throw StoreError(operation: "read sealed evidence", error) }
    }

    public func auditRows(incident: Int64) throws(StoreError) -> [AuditRow] {
        do {
            return try pool.read { db in
                try AuditSource.allCases.flatMap { source in try Self.auditSelect(source, "incident_id = ?", [incident], db) }
            }
        } catch {
            throw StoreError(operation: "read the evidence of incident \(incident)", error)
        }
    }

    public func auditHeads() throws(StoreError) -> [AuditHead] {
        try rows(AuditHead.self, "SELECT day, seq, hash, at FROM audit_heads ORDER BY day", [])
    }
}
