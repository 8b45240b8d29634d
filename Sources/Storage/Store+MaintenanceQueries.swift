import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// Notices, newest first.
    public func notices(_ f: NoticeFilter) throws(StoreError) -> [NoticeItem] {
        var c = Conditions()
        c.equal("n.firm", f.firm)
        c.equal("n.status", f.status)
        c.equal("d.id", f.device)
        c.equal("n.kind", f.kind)
        c.scope(f.scope)
        if let due = f.dueBefore {
            c.add("n.due_by < ?", due)
            c.add("n.status != 'closed'")
        }
        if let after = f.after { c.add("n.id < ?", after.id) }
        return try rows(NoticeItem.self, """
            SELECT n.id, n.created_at, n.kind, d.id AS device, n.type, n.firm, f.name AS firm_name, n.trigger,
                   \(localized("n.reason", f.language)) AS reason, n.reason_code, COALESCE(n.reason_parameters, '{}') AS reason_parameters,
                   n.due_by, n.status,
                   n.acked_by, n.acked_at, n.closed_at, n.closed_by_record, n.detail
            FROM notices n JOIN devices d ON d.num = n.device_num LEFT JOIN firms f ON f.id = n.firm
            \(c.sql) ORDER BY \(f.dueBefore == nil ? "n.id DESC" : "n.due_by, n.id") LIMIT ?
            """, c.arguments + [f.limit])
    }

    /// A device's maintenance records, newest first, with the counter baseline each began.
    public func maintenanceHistory(device: String, limit: Int = 1000, scope: Role = .supervisor,
                                   after: PageCursor? = nil) throws(StoreError) -> [MaintenanceItem] {
        var c = Conditions([("d.id = ?", device)])
        c.scope(scope)
        c.before(after, sort: "r.done_at", id: "r.id")
        return try rows(MaintenanceItem.self, """
            SELECT r.id, r.done_at, r.firm, r.worker_cert, r.items, r.tiers, r.source, r.reported_at, r.applied_at, r.baseline
            FROM maintenance_records r JOIN devices d ON d.num = r.device_num
            \(c.sql) ORDER BY r.done_at DESC, r.id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    /// The device's current grade (nil before its first grading) and the factors behind it.
    public func riskDetail(device: String) throws(StoreError) -> (grade: RiskGradeItem?, factors: [RiskFactorItem]) {
        let grade = try rows(RiskGradeItem.self, """
            SELECT r.grade, r.score, r.likelihood, r.exposure, r.consequence, r.model, r.computed_at, r.since
            FROM device_risk r JOIN devices d ON d.num = r.device_num WHERE d.id = ?
            """, [device]).first
        let factors = try rows(RiskFactorItem.self, """
            SELECT json_extract(f.value, '$.part') AS part, json_extract(f.value, '$.name') AS factor,
                   json_extract(f.value, '$.input') AS input, json_extract(f.value, '$.value') AS value
            FROM device_risk r JOIN devices d ON d.num = r.device_num, json_each(r.factors) f WHERE d.id = ?
            ORDER BY f.key
            """, [device])
        return (grade, factors)
    }

    /// The device's grade history, newest first.
    public func riskHistory(device: String, limit: Int = 100) throws(StoreError) -> [RiskHistoryItem] {
        try rows(RiskHistoryItem.self, """
            SELECT g.at, g.previous, g.grade, g.score, g.model FROM risk_grades g JOIN devices d ON d.num = g.device_num
            WHERE d.id = ? ORDER BY g.at DESC, g.id DESC LIMIT ?
            """, [device, limit])
    }

    /// A device's persisted planner state (JSON), if the planner has seen it.
    public func planStateText(device: String) throws(StoreError) -> String? {
        do {
            return try pool.read { db in
                try String.fetchOne(db, sql: "SELECT s.state FROM maintenance_state s JOIN devices d ON d.num = s.device_num WHERE d.id = ?",
                                    arguments: [device])
            }
        } catch {
            throw StoreError(operation: "read maintenance state", error)
        }
    }
}
