import Domain
import Records

extension StaffRole: SQLRawBindable {}
extension RoutineKind: SQLRawBindable {}

extension PostgresStore {
    public func setStaff(owner: String, staff: [(role: StaffRole, name: String, certificate: String?)], since: Day, by who: String,
                         at: Int64) throws(StoreError) {
        try write("name staff") { s in
            let first = try s.text("SELECT MIN(since) FROM owner_staff WHERE owner = ?", [owner])
            try s.execute("DELETE FROM owner_staff WHERE owner = ?", [owner])
            for m in staff {
                try s.execute("""
                    INSERT INTO owner_staff(owner, role, name, certificate, since, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?)
                    ON CONFLICT (owner, role, name) DO UPDATE SET certificate = excluded.certificate
                    """, [owner, m.role, m.name, m.certificate, first ?? since.description, who, at])
            }
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
        try write("record routine") { s -> Int64? in
            var num: Int64?
            if let device = d.device {
                guard let n = try s.int("SELECT num FROM devices WHERE id = ? AND owner = ?", [device, d.owner]) else { return nil }
                num = n
            }
            if let site = d.site, try s.int("SELECT 1 FROM devices WHERE site = ? AND owner = ? LIMIT 1", [site, d.owner]) == nil {
                return nil
            }
            return try s.int("""
                INSERT INTO routine_records(owner, kind, period, device_num, site, by_name, findings, hazards, recorded_by, recorded_at)
                VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id
                """, [d.owner, d.kind, d.period, num, d.site, d.by, d.findings, d.hazards, d.recordedBy, d.recordedAt])
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
        return try query("read routine records") { s in
            var out: Set<String> = []
            for row in try s.rows("SELECT DISTINCT owner, kind, period FROM routine_records \(c.sql)", c.arguments) {
                guard let owner = row.text("owner"), let kind = row.text("kind").flatMap(RoutineKind.init(rawValue:)), let period = row.text("period") else { continue }
                out.insert(RoutineComplianceRow.key(owner: owner, kind: kind, period: period))
            }
            return out
        }
    }
}
