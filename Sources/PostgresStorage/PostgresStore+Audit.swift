import Domain
import Records

extension AuditSource: SQLRawBindable {}

extension PostgresStore {
    static let auditEntryColumns = "seq, source, ref, content_hash, prev_hash, hash, sealed_at"

    public func auditTip() throws(StoreError) -> AuditEntry? {
        try rows(AuditEntry.self, "SELECT \(Self.auditEntryColumns) FROM audit_chain ORDER BY seq DESC LIMIT 1", []).first
    }

    /// Rows of `source` matching `condition`, each value as text (the chain's content).
    static func auditSelect(_ source: AuditSource, _ condition: String, _ arguments: SQLArguments, limit: Int? = nil, _ s: SQLSession) throws(StoreError) -> [AuditRow] {
        let columns = source.columns
        return try s.rows("""
            SELECT \(columns.joined(separator: ", ")), audit_seq FROM \(source.table) WHERE \(condition) ORDER BY \(source.order)\(limit.map { " LIMIT \($0)" } ?? "")
            """, arguments).map { row in
            let values = columns.map { row.text($0) }
            return AuditRow(source: source, ref: source.ref(values), values: values, sealedBy: row.int("audit_seq"))
        }
    }

    public func unsealedAuditRows(limit: Int) throws(StoreError) -> [AuditRow] {
        try query("read unsealed evidence") { s throws(StoreError) in
            var out: [AuditRow] = []
            for source in AuditSource.allCases where out.count < limit {
                out += try Self.auditSelect(source, "audit_seq IS NULL", [], limit: limit - out.count, s)
            }
            return out
        }
    }

    public func appendAudit(_ entries: [AuditEntry], rows: [AuditRow], after tip: Int64, head: AuditHead) throws(StoreError) -> Bool {
        try write("seal evidence") { s throws(StoreError) -> Bool in
            try s.execute("LOCK TABLE audit_chain IN EXCLUSIVE MODE")
            guard try s.int("SELECT COALESCE(MAX(seq), 0) FROM audit_chain") == tip else { return false }
            for (e, r) in zip(entries, rows) {
                try s.execute("INSERT INTO audit_chain(\(Self.auditEntryColumns)) VALUES (?,?,?,?,?,?,?)",
                              [e.seq, e.source, e.ref, e.contentHash, e.prevHash, e.hash, e.sealedAt.millis])
                let key = r.values.map { $0.flatMap { Int64($0) } }
                switch r.source {
                case .timeline:
                    try s.execute("UPDATE incident_timeline SET audit_seq = ? WHERE id = ? AND audit_seq IS NULL", [e.seq, key[0]])
                case .evidence:
                    try s.execute("UPDATE incident_evidence SET audit_seq = ? WHERE incident_id = ? AND reading_id = ? AND audit_seq IS NULL",
                                  [e.seq, key[0], key[1]])
                case .accident:
                    try s.execute("UPDATE accidents SET audit_seq = ? WHERE id = ? AND updated_at = ? AND audit_seq IS NULL",
                                  [e.seq, key[0], key.last ?? nil])
                }
            }
            try s.execute("""
                INSERT INTO audit_heads(day, seq, hash, at) VALUES (?,?,?,?)
                ON CONFLICT (day) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at
                """, [head.day, head.seq, head.hash, head.at.millis])
            return true
        }
    }

    public func auditEntries(after: Int64, limit: Int) throws(StoreError) -> [AuditEntry] {
        try rows(AuditEntry.self, "SELECT \(Self.auditEntryColumns) FROM audit_chain WHERE seq > ? ORDER BY seq LIMIT ?", [after, Int64(limit)])
    }

    public func auditRows(_ source: AuditSource, sealedFrom fromSeq: Int64, to toSeq: Int64) throws(StoreError) -> [AuditRow] {
        try query("read sealed evidence") { s in try Self.auditSelect(source, "audit_seq BETWEEN ? AND ? OR audit_seq IS NULL", [fromSeq, toSeq], s) }
    }

    public func auditRows(incident: Int64) throws(StoreError) -> [AuditRow] {
        try query("read the evidence of incident \(incident)") { s throws(StoreError) in
            var out: [AuditRow] = []
            for source in AuditSource.allCases { out += try Self.auditSelect(source, "incident_id = ?", [incident], s) }
            return out
        }
    }

    public func auditHeads() throws(StoreError) -> [AuditHead] {
        try rows(AuditHead.self, "SELECT day, seq, hash, at FROM audit_heads ORDER BY day", [])
    }
}
