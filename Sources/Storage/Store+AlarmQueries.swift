import Domain
import Records
import GRDB

extension AlarmFilter {
    /// The filters alarms and incidents share, on `table` (its alias) and its time column;
    /// `d` is the devices table joined to it.
    func conditions(table t: String, time: String) -> Conditions {
        var c = Conditions([("\(t).\(time) >= ?", from ?? Int64.min), ("\(t).\(time) <= ?", to ?? Int64.max)])
        c.equal("d.id", device)
        c.equal("\(t).type", type)
        c.equal("d.site", site)
        c.equal("d.firm", firm)
        c.equal("\(t).severity", severity)
        c.equal("\(t).rule", rule)
        c.equal("\(t).id", id)
        c.scope(scope)
        c.before(after, sort: "\(t).\(time)", id: "\(t).id")
        return c
    }
}

extension SQLiteStore {
    /// Alarms, newest first.
    public func alarms(_ f: AlarmFilter) throws(StoreError) -> [AlarmItem] {
        var c = f.conditions(table: "a", time: "started_at")
        switch f.state {
        case .open?: c.add("a.state != 'resolved'")
        case .pending?: c.add("a.state = ?", AlarmState.pending)
        case .firing?: c.add("a.state = ?", AlarmState.firing)
        case .resolved?: c.add("a.state = ?", AlarmState.resolved)
        case nil: break
        }
        return try rows(AlarmItem.self, """
            SELECT a.id, d.id AS device, a.type, d.site, s.name AS site_name, a.rule, a.severity, a.state, a.started_at, a.fired_at,
                   a.resolved_at, a.repeats, a.acked_by, a.acked_at, a.incident_id AS incident,
                   \(localized("a.message", f.language)) AS message, a.pack, a.inputs
            FROM alarms a JOIN devices d ON d.num = a.device_num LEFT JOIN sites s ON s.id = d.site
            \(c.sql) ORDER BY a.started_at DESC, a.id DESC LIMIT ?
            """, c.arguments + [f.limit])
    }

    /// Incidents, newest first.
    public func incidents(_ f: AlarmFilter) throws(StoreError) -> [IncidentItem] {
        var c = f.conditions(table: "i", time: "opened_at")
        c.equal("i.status", f.status)
        return try rows(IncidentItem.self, """
            SELECT i.id, d.id AS device, i.type, i.site, s.name AS site_name, i.rule, i.severity, i.status, i.opened_at, i.resolved_at,
                   i.alarm_id AS alarm, \(localized("i.title", f.language)) AS title, i.pack, i.inputs
            FROM incidents i JOIN devices d ON d.num = i.device_num LEFT JOIN sites s ON s.id = i.site
            \(c.sql) ORDER BY i.opened_at DESC, i.id DESC LIMIT ?
            """, c.arguments + [f.limit])
    }

    /// Open (pending or firing) alarms by severity, for metrics.
    public func openAlarmsBySeverity() throws(StoreError) -> [Severity: Int] {
        do {
            return try pool.read { db in
                var out: [Severity: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT severity, COUNT(*) AS n FROM alarms WHERE state != 'resolved' GROUP BY severity") {
                    if let s = Severity(rawValue: row["severity"]) { out[s] = row["n"] }
                }
                return out
            }
        } catch {
            throw StoreError(operation: "count open alarms", error)
        }
    }

    /// Messages waiting in the outbox for the broker, for metrics.
    public func outboxBacklog() throws(StoreError) -> Int {
        do { return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0 } }
        catch { throw StoreError(operation: "count the outbox", error) }
    }

    /// An incident's timeline, oldest first; nil when there is no such incident.
    public func incidentTimeline(_ id: Int64) throws(StoreError) -> [TimelineItem]? {
        let exists: Bool
        do { exists = try pool.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM incidents WHERE id = ?)", arguments: [id]) ?? false } }
        catch { throw StoreError(operation: "query", error) }
        guard exists else { return nil }
        return try rows(TimelineItem.self, "SELECT at, kind, detail FROM incident_timeline WHERE incident_id = ? ORDER BY at, id", [id])
    }
}
