import Domain
import GRDB
import Records

extension StaffRole: DatabaseValueConvertible {}
extension RoutineKind: DatabaseValueConvertible {}
extension StaffRow: FetchableRecord {}
extension RoutineRow: FetchableRecord {}

extension SQLiteStore {
    public func setStaff(owner: String, staff: [(role: StaffRole, name: String, certificate: String?)], since: Day, by who: String,
                         at: Int64) throws(StoreError) {
        do {
            try pool.write { db in
                let first = try String.fetchOne(db, sql: "SELECT MIN(since) FROM owner_staff WHERE owner = ?", arguments: [owner])
                try db.execute(sql: "DELETE FROM owner_staff WHERE owner = ?", arguments: [owner])
                for s in staff {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO owner_staff(owner, role, name, certificate, since, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?)
                        """, arguments: [owner, s.role, s.name, s.certificate, first ?? since.description, who, at])
                }
            }
        } catch {
            throw StoreError(operation: "name staff", error)
        }
    }

    public func staff(scope: Role) throws(StoreError) -> [StaffRow] {
        var c = Conditions()
        c.ownerScope(scope)
        return try rows(StaffRow.self, """
            SELECT owner, role, name, certificate, since FROM owner_staff \(c.sql)
            ORDER BY owner, CASE role WHEN 'principal' THEN 0 WHEN 'safety_director' THEN 1 ELSE 2 END, name
            """, c.arguments)
    }

    public func addRoutineRecord(_ d: RoutineDraft) throws(StoreError) -> Int64? {
        do {
            return try pool.write { db -> Int64? in
                var num: Int64?
                if let device = d.device {
                    guard let n = try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ? AND owner = ?", arguments: [device, d.owner]) else { return nil }
                    num = n
                }
                if let site = d.site, try Int64.fetchOne(db, sql: "SELECT 1 FROM devices WHERE site = ? AND owner = ? LIMIT 1", arguments: [site, d.owner]) == nil {
                    return nil
                }
                try db.execute(sql: """
                    INSERT INTO routine_records(owner, kind, period, device_num, site, by_name, findings, hazards, recorded_by, recorded_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?)
                    """, arguments: [d.owner, d.kind, d.period, num, d.site, d.by, d.findings, d.hazards, d.recordedBy, d.recordedAt])
                return db.lastInsertedRowID
            }
        } catch {
            throw StoreError(operation: "record routine", error)
        }
    }

    public func routineRecords(scope: Role, kind: RoutineKind?, fromPeriod: String?, limit: Int) throws(StoreError) -> [RoutineRow] {
        var c = Conditions()
        c.ownerScope(scope, column: "r.owner")
        c.equal("r.kind", kind)
        if let fromPeriod { c.add("r.period >= ?", fromPeriod) }
        return try rows(RoutineRow.self, """
            SELECT r.id, r.owner, r.kind, r.period, d.id AS device, r.site, r.by_name AS "by", r.findings, r.hazards, r.recorded_by, r.recorded_at
            FROM routine_records r LEFT JOIN devices d ON d.num = r.device_num
            \(c.sql) ORDER BY r.period DESC, r.id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    public func recordedPeriods(scope: Role, from day: Day) throws(StoreError) -> Set<String> {
        var c = Conditions()
        c.ownerScope(scope)
        for kind in RoutineKind.allCases { c.add("(kind <> '\(kind.rawValue)' OR period >= ?)", kind.period(of: day).key) }
        do {
            return try pool.read { db in
                var out: Set<String> = []
                for row in try Row.fetchAll(db, sql: "SELECT DISTINCT owner, kind, period FROM routine_records \(c.sql)", arguments: c.arguments) {
                    let kind: RoutineKind = row["kind"]
                    out.insert(RoutineComplianceRow.key(owner: row["owner"], kind: kind, period: row["period"]))
                }
                return out
            }
        } catch {
            throw StoreError(operation: "read routine records", error)
        }
    }
}
