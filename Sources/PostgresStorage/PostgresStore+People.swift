import Domain
import Records

extension PostgresStore {
    public func saveCertificates(_ certificates: [Certificate], by who: String, at: Int64) throws(StoreError) -> Int {
        try write("save certificates") { s in
            for c in certificates {
                try s.execute("""
                    INSERT INTO certificates(number, holder, item, issued, valid_until, authority, employer, updated_by, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(number) DO UPDATE SET holder = excluded.holder, item = excluded.item, issued = excluded.issued,
                      valid_until = excluded.valid_until, authority = excluded.authority, employer = excluded.employer,
                      updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """, [c.number, c.holder, c.item.rawValue, c.issued.description, c.validUntil.description,
                          c.authority, c.employer.description, who, at])
            }
            return certificates.count
        }
    }

    public func certificates(scope: Role) throws(StoreError) -> [Certificate] {
        var c = Conditions()
        if scope != .supervisor { c.add("employer = ?", scope.description) }
        return try certificateRows("SELECT * FROM certificates \(c.sql) ORDER BY number", c.arguments)
    }

    public func certificate(_ number: String) throws(StoreError) -> Certificate? {
        try certificateRows("SELECT * FROM certificates WHERE number = ?", [number]).first
    }

    private func certificateRows(_ sql: String, _ arguments: SQLArguments) throws(StoreError) -> [Certificate] {
        try query("read certificates") { s in
            try s.rows(sql, arguments).map { row in
                try PeopleColumns.certificate(number: row.text(required: "number"), holder: row.text(required: "holder"),
                                              item: row.text(required: "item"), issued: row.text(required: "issued"),
                                              validUntil: row.text(required: "valid_until"), authority: row.text(required: "authority"),
                                              employer: row.text(required: "employer"))
            }
        }
    }

    public func savePolicies(_ policies: [InsurancePolicy], by who: String, at: Int64) throws(StoreError) -> Int {
        try write("save insurance policies") { s in
            for p in policies {
                try s.execute("""
                    INSERT INTO insurance_policies(number, insurer, owner, device, types, cover_cny, valid_from, valid_to, updated_by, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(number) DO UPDATE SET insurer = excluded.insurer, owner = excluded.owner, device = excluded.device,
                      types = excluded.types, cover_cny = excluded.cover_cny, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
                      updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """, [p.number, p.insurer, p.owner, p.device, PeopleColumns.types(p.types), p.coverCny,
                          p.validFrom.description, p.validTo.description, who, at])
            }
            return policies.count
        }
    }

    public func policies(scope: Role) throws(StoreError) -> [InsurancePolicy] {
        var c = Conditions()
        c.ownerScope(scope)
        return try query("read insurance policies") { s in
            try s.rows("SELECT * FROM insurance_policies \(c.sql) ORDER BY number", c.arguments).map { row in
                try PeopleColumns.policy(number: row.text(required: "number"), insurer: row.text(required: "insurer"),
                                         owner: row.text(required: "owner"), device: row.text("device"), types: row.text(required: "types"),
                                         coverCny: row.int(required: "cover_cny"), validFrom: row.text(required: "valid_from"),
                                         validTo: row.text(required: "valid_to"))
            }
        }
    }

    public func sentReminders(_ keys: [String]) throws(StoreError) -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return try query("read reminders") { s in
            var sent: Set<String> = []
            for start in stride(from: 0, to: keys.count, by: 500) {
                let chunk = Array(keys[start..<min(start + 500, keys.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                sent.formUnion(try s.rows("SELECT key FROM people_reminders WHERE key IN (\(marks))", chunk).compactMap { $0.text("key") })
            }
            return sent
        }
    }

    public func recordReminders(_ reminders: [(key: String, message: OutboxMessage)], at: Int64) throws(StoreError) -> Int {
        guard !reminders.isEmpty else { return 0 }
        return try write("record reminders") { s in
            var sent = 0
            for r in reminders {
                guard try s.execute("INSERT INTO people_reminders(key, sent_at) VALUES (?,?) ON CONFLICT (key) DO NOTHING", [r.key, at]) > 0 else { continue }
                try Self.insertOutbox(r.message, at: at, s)
                sent += 1
            }
            return sent
        }
    }

    public func peopleRevision() throws(StoreError) -> String {
        try query("read certificates") { s in
            let row = try s.row("""
                SELECT (SELECT COUNT(*) FROM certificates) AS c, (SELECT COALESCE(MAX(updated_at), 0) FROM certificates) AS cu,
                       (SELECT COUNT(*) FROM insurance_policies) AS p, (SELECT COALESCE(MAX(updated_at), 0) FROM insurance_policies) AS pu
                """)
            return "\(row?.int("c") ?? 0).\(row?.int("cu") ?? 0)/\(row?.int("p") ?? 0).\(row?.int("pu") ?? 0)"
        }
    }
}
