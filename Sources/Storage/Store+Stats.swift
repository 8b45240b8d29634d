import Domain
import Records
import GRDB

extension StatsDimension {
    /// The SQL expression over alarms `a` and devices `d` (a fixed text per case, never input).
    /// Months are local calendar months of the firing time: `.month` takes one argument, the
    /// local offset in milliseconds (`arguments(_:)`).
    func expression(time: String) -> String {
        switch self {
        case .type: "d.type"
        case .severity: "a.severity"
        case .month: "strftime('%Y-%m', (\(time) + ?) / 1000, 'unixepoch')"
        case .site: "d.site"
        case .firm: "d.firm"
        case .rule: "a.rule"
        }
    }

    /// The arguments of `expression` in local `days`.
    func arguments(_ days: LocalDays) -> StatementArguments { self == .month ? [days.offsetMs] : [] }
}

extension SQLiteStore {
    /// Alarms fired in [from, to) and incidents opened then, by `dimension`, within `scope`.
    public func alarmCounts(by dimension: StatsDimension, from: Int64, to: Int64, scope: Role) throws(StoreError) -> [AlarmCountItem] {
        var c = Conditions([("a.fired_at >= ?", from), ("a.fired_at < ?", to)])
        c.scope(scope)
        let key = dimension.expression(time: "a.fired_at")
        return try rows(AlarmCountItem.self, """
            SELECT \(key) AS key, COUNT(*) AS alarms, SUM(a.severity = 'critical') AS critical,
                   SUM(i.id IS NOT NULL AND i.opened_at >= ? AND i.opened_at < ?) AS incidents
            FROM alarms a JOIN devices d ON d.num = a.device_num LEFT JOIN incidents i ON i.alarm_id = a.id
            \(c.sql) GROUP BY key ORDER BY alarms DESC, key
            """, dimension.arguments(localDays) + [from, to] + c.arguments)
    }

    /// Rescue clocks started in [from, to), within `scope`.
    public func rescues(from: Int64, to: Int64, scope: Role) throws(StoreError) -> [RescueRow] {
        var c = Conditions([("r.fired_at >= ?", from), ("r.fired_at < ?", to)])
        c.scope(scope)
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT r.firm, f.name AS firm_name, r.fired_at, r.within_ms, r.on_site_at, r.resolved_at, r.escalated_at,
                           r.alarm_id, r.on_site_by
                    FROM rescues r JOIN devices d ON d.num = r.device_num LEFT JOIN firms f ON f.id = r.firm
                    \(c.sql) ORDER BY r.firm, r.fired_at
                    """, arguments: c.arguments).map {
                    RescueRow(firm: $0["firm"], firmName: $0["firm_name"], firedAt: $0["fired_at"], withinMs: $0["within_ms"],
                              onSiteAt: $0["on_site_at"], resolvedAt: $0["resolved_at"], escalatedAt: $0["escalated_at"],
                              alarmId: $0["alarm_id"], onSiteBy: $0["on_site_by"])
                }
            }
        } catch {
            throw StoreError(operation: "read rescues", error)
        }
    }

    /// Maintenance notices (due and fault follow-ups) whose deadline fell in [from, to), per firm:
    /// closed by a record before the deadline, after it, or still open past it at `now`.
    public func maintenanceTimeliness(from: Int64, to: Int64, now: Int64, scope: Role) throws(StoreError) -> [MaintenanceTimelinessItem] {
        var c = Conditions([("n.due_by >= ?", from), ("n.due_by < ?", to)])
        c.add("n.kind IN ('\(NoticeKind.maintenanceDue.rawValue)', '\(NoticeKind.faultFollowup.rawValue)')")
        c.scope(scope)
        return try rows(MaintenanceTimelinessItem.self, """
            SELECT n.firm, f.name AS firm_name, COUNT(*) AS notices,
                   SUM(n.status = 'closed' AND n.closed_by_record IS NOT NULL AND n.closed_at <= n.due_by) AS on_time,
                   SUM(n.status = 'closed' AND n.closed_by_record IS NOT NULL AND n.closed_at > n.due_by) AS late,
                   SUM(n.status != 'closed' AND n.due_by < ?) AS open_overdue
            FROM notices n JOIN devices d ON d.num = n.device_num LEFT JOIN firms f ON f.id = n.firm
            \(c.sql) GROUP BY n.firm ORDER BY n.firm
            """, [now] + c.arguments)
    }

    /// Inspections recorded (not seeded) with dates in [from, to], and must-not-use devices now.
    public func inspectionStats(from: Day, to: Day, scope: Role) throws(StoreError) -> InspectionStatsItem {
        var c = Conditions([("i.date >= ?", from.description), ("i.date <= ?", to.description)])
        c.add("i.source != 'registry'")
        c.scope(scope)
        var m = Conditions()
        m.scope(scope)
        let rows = try rows(InspectionStatsItem.self, """
            SELECT COUNT(*) AS recorded, COALESCE(SUM(i.result = 'pass'), 0) AS passed, COALESCE(SUM(i.result = 'fail'), 0) AS failed,
                   COALESCE(SUM(i.due_before IS NOT NULL AND i.date <= i.due_before), 0) AS on_time,
                   COALESCE(SUM(i.due_before IS NOT NULL AND i.date > i.due_before), 0) AS late,
                   (SELECT COUNT(*) FROM device_compliance mn JOIN devices d ON d.num = mn.device_num \(m.sql)) AS must_not_use,
                   (SELECT COUNT(*) FROM device_compliance mn JOIN devices d ON d.num = mn.device_num
                      \(m.sql.isEmpty ? "WHERE" : m.sql + " AND") mn.reason_key LIKE 'overdue:%') AS overdue_now,
                   (SELECT COUNT(*) FROM device_compliance mn JOIN devices d ON d.num = mn.device_num
                      \(m.sql.isEmpty ? "WHERE" : m.sql + " AND") mn.reason_key LIKE 'failed:%') AS failed_now
            FROM inspections i JOIN devices d ON d.num = i.device_num
            \(c.sql)
            """, m.arguments + m.arguments + m.arguments + c.arguments)
        return rows[0]
    }

    /// Devices per current risk grade within `scope` (ungraded devices as `none`).
    public func gradeCounts(scope: Role) throws(StoreError) -> [GradeCountItem] {
        var c = Conditions()
        c.scope(scope)
        return try rows(GradeCountItem.self, """
            SELECT COALESCE(r.grade, 'none') AS grade, COUNT(*) AS devices
            FROM devices d LEFT JOIN device_risk r ON r.device_num = d.num
            \(c.sql) GROUP BY grade
            ORDER BY CASE grade WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 WHEN 'blue' THEN 3 ELSE 4 END
            """, c.arguments)
    }
}
