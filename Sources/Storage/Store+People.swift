import Domain
import Foundation
import GRDB
import Records

extension SQLiteStore {
    public func saveCertificates(_ certificates: [Certificate], by who: String, at: Int64) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO certificates(number, holder, item, issued, valid_until, authority, employer, updated_by, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(number) DO UPDATE SET holder = excluded.holder, item = excluded.item, issued = excluded.issued,
                      valid_until = excluded.valid_until, authority = excluded.authority, employer = excluded.employer,
                      updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """)
                for c in certificates {
                    try upsert.execute(arguments: [c.number, c.holder, c.item.rawValue, c.issued.description, c.validUntil.description,
                                                   c.authority, c.employer.description, who, at])
                }
                return certificates.count
            }
        } catch {
            throw StoreError(operation: "save certificates", error)
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

    private func certificateRows(_ sql: String, _ arguments: StatementArguments) throws(StoreError) -> [Certificate] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    try PeopleColumns.certificate(number: row["number"], holder: row["holder"], item: row["item"], issued: row["issued"],
                                                  validUntil: row["valid_until"], authority: row["authority"], employer: row["employer"])
                }
            }
        } catch {
            throw StoreError(operation: "read certificates", error)
        }
    }

    public func savePolicies(_ policies: [InsurancePolicy], by who: String, at: Int64) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO insurance_policies(number, insurer, owner, device, types, cover_cny, valid_from, valid_to, updated_by, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(number) DO UPDATE SET insurer = excluded.insurer, owner = excluded.owner, device = excluded.device,
                      types = excluded.types, cover_cny = excluded.cover_cny, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
                      updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """)
                for p in policies {
                    try upsert.execute(arguments: [p.number, p.insurer, p.owner, p.device, PeopleColumns.types(p.types), p.coverCny,
                                                   p.validFrom.description, p.validTo.description, who, at])
                }
                return policies.count
            }
        } catch {
            throw StoreError(operation: "save insurance policies", error)
        }
    }

    public func policies(scope: Role) throws(StoreError) -> [InsurancePolicy] {
        var c = Conditions()
        c.ownerScope(scope)
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM insurance_policies \(c.sql) ORDER BY number", arguments: c.arguments).map { row in
                    try PeopleColumns.policy(number: row["number"], insurer: row["insurer"], owner: row["owner"], device: row["device"],
                                             types: row["types"], coverCny: row["cover_cny"], validFrom: row["valid_from"], validTo: row["valid_to"])
                }
            }
        } catch {
            throw StoreError(operation: "read insurance policies", error)
        }
    }

    public func sentReminders(_ keys: [String]) throws(StoreError) -> Set<String> {
        guard !keys.isEmpty else { return [] }
        do {
            return try pool.read { db in
                var sent: Set<String> = []
                for chunk in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    sent.formUnion(try String.fetchAll(db, sql: "SELECT key FROM people_reminders WHERE key IN (\(marks))",
                                                       arguments: StatementArguments(chunk)))
                }
                return sent
            }
        } catch {
            throw StoreError(operation: "read reminders", error)
        }
    }

    public func recordReminders(_ reminders: [(key: String, message: OutboxMessage)], at: Int64) throws(StoreError) -> Int {
        guard !reminders.isEmpty else { return 0 }
        do {
            return try pool.write { db in
                var sent = 0
                for r in reminders {
                    try db.execute(sql: "INSERT OR IGNORE INTO people_reminders(key, sent_at) VALUES (?,?)", arguments: [r.key, at])
                    guard db.changesCount > 0 else { continue }
                    try Self.insertOutbox(r.message, at: at, db)
                    sent += 1
                }
                return sent
            }
        } catch {
            throw StoreError(operation: "record reminders", error)
        }
    }

    public func peopleRevision() throws(StoreError) -> String {
        do {
            return try pool.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM certificates) AS c, (SELECT COALESCE(MAX(updated_at), 0) FROM certificates) AS cu,
                           (SELECT COUNT(*) FROM insurance_policies) AS p, (SELECT COALESCE(MAX(updated_at), 0) FROM insurance_policies) AS pu
                    """)
                let c: Int64 = row?["c"] ?? 0, cu: Int64 = row?["cu"] ?? 0, p: Int64 = row?["p"] ?? 0, pu: Int64 = row?["pu"] ?? 0
                return "\(c).\(cu)/\(p).\(pu)"
            }
        } catch {
            throw StoreError(operation: "read certificates", error)
        }
    }
}
