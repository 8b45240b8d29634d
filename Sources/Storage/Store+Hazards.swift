import Domain
import Records
import GRDB

extension HazardStep: DatabaseValueConvertible {}
extension HazardStatus: DatabaseValueConvertible {}

extension SQLiteStore {
    static let hazardColumns = """
        h.id, d.id AS device, d.type, d.site, s.name AS site_name, d.owner, d.firm, h.rule, h.alarm_id AS alarm, h.raised_at,
        CASE WHEN h.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
        (SELECT MAX(x.at) FROM hazard_steps x WHERE x.hazard_id = h.id AND x.step = 'rectified') AS rectified_at,
        (SELECT MAX(x.at) FROM hazard_steps x WHERE x.hazard_id = h.id AND x.step = 'confirmed') AS confirmed_at,
        h.closed_at, h.closed_by, h.closed_organisation, h.closed_note
        FROM device_hazards h JOIN devices d ON d.num = h.device_num LEFT JOIN sites s ON s.id = d.site
        """

    /// Major hazards within `filter.scope`: open ones first (oldest first, the longest waiting on
    /// top), then closed ones, newest first.
    public func hazards(_ filter: HazardFilter) throws(StoreError) -> [HazardItem] {
        var c = Conditions()
        c.equal("d.id", filter.device)
        if let open = filter.open { c.add(open ? "h.closed_at IS NULL" : "h.closed_at IS NOT NULL") }
        c.scope(filter.scope)
        var arguments = c.arguments
        arguments += [filter.limit]
        return try rows(HazardItem.self, """
            SELECT \(Self.hazardColumns) \(c.sql)
            ORDER BY h.closed_at IS NOT NULL, CASE WHEN h.closed_at IS NULL THEN h.raised_at ELSE -h.raised_at END, h.id LIMIT ?
            """, arguments)
    }

    /// One hazard within `scope`, or nil.
    public func hazard(_ id: Int64, scope: Role = .supervisor) throws(StoreError) -> HazardItem? {
        var c = Conditions([("h.id = ?", id)])
        c.scope(scope)
        return try rows(HazardItem.self, "SELECT \(Self.hazardColumns) \(c.sql)", c.arguments).first
    }

    /// The steps of one hazard (`id`) or of every hazard of a device, oldest first; empty
    /// outside `scope`.
    public func hazardSteps(_ id: Int64? = nil, device: String? = nil, scope: Role = .supervisor) throws(StoreError) -> [HazardStepItem] {
        var c = Conditions()
        c.equal("x.hazard_id", id)
        c.equal("d.id", device)
        c.scope(scope)
        return try rows(HazardStepItem.self, """
            SELECT x.id, x.hazard_id AS hazard, x.step, x.party, x.by, x.organisation, x.note, x.at
            FROM hazard_steps x JOIN device_hazards h ON h.id = x.hazard_id JOIN devices d ON d.num = h.device_num
            \(c.sql) ORDER BY x.at, x.id
            """, c.arguments)
    }

    /// Records a step on a hazard within `scope`, in one transaction with what it does: a
    /// closure marks the hazard closed (who, organisation, note, when), and `settle` then writes
    /// the device's new must-not-use status, its notice and its stream event, so every reader
    /// sees the hazard and the status move together. Which role may record which step is the
    /// caller's check (`HazardStep.isAllowed(for:)`).
    public func addHazardStep(_ s: HazardStepDraft, scope: Role, settle: ComplianceSettler?) throws(StoreError) -> HazardStepResult {
        var c = Conditions([("h.id = ?", s.hazard)])
        c.scope(scope)
        do {
            return try pool.write { db in
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT h.device_num, h.closed_at, h.closed_by FROM device_hazards h JOIN devices d ON d.num = h.device_num \(c.sql)
                    """, arguments: c.arguments) else { return .notFound }
                if let closedAt: Int64 = row["closed_at"] { return .alreadyClosed(by: row["closed_by"] ?? "", at: closedAt) }
                let num: Int64 = row["device_num"]
                try db.execute(sql: "INSERT INTO hazard_steps(hazard_id, step, party, by, organisation, note, at) VALUES (?,?,?,?,?,?,?)",
                               arguments: [s.hazard, s.step, s.party, s.by, s.organisation, s.note, s.at])
                let step = db.lastInsertedRowID
                if s.step == .closed {
                    try db.execute(sql: """
                        UPDATE device_hazards SET closed_at = ?, closed_by = ?, closed_organisation = ?, closed_note = ? WHERE id = ?
                        """, arguments: [s.at, s.by, s.organisation, s.note, s.hazard])
                }
                let changed = try settle.map { try Self.settleCompliance(deviceNum: num, $0, at: s.at, db) } ?? false
                return .recorded(step: step, deviceNum: num, statusChanged: changed)
            }
        } catch {
            throw StoreError(operation: "record hazard \(s.step.rawValue)", error)
        }
    }
}
