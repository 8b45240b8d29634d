import Domain
import GRDB

/// Filters of `equipwatch alarms` / `incidents` (and `GET /v1/alarms`, `/v1/incidents`).
public struct AlarmFilter: Sendable {
    public var device: String?
    public var type: String?
    public var site: String?
    public var firm: String?
    public var severity: String?
    /// Alarms: pending, firing, resolved, or `open` (pending or firing). Incidents: open, resolved.
    public var state: String?
    public var rule: String?
    /// Started (alarms) or opened (incidents) at or after / at or before.
    public var from: Int64?
    public var to: Int64?
    public var limit = 100
    public init() {}
}

extension Store {
    public func alarms(_ f: AlarmFilter) throws(StoreError) -> ResultTable {
        var clauses = ["a.started_at >= ?", "a.started_at <= ?"]
        var args: [(any DatabaseValueConvertible)?] = [f.from ?? Int64.min, f.to ?? Int64.max]
        for (column, value) in [("d.id", f.device), ("a.type", f.type), ("d.site", f.site), ("d.firm", f.firm),
                                ("a.severity", f.severity), ("a.rule", f.rule)] {
            if let value { clauses.append("\(column) = ?"); args.append(value) }
        }
        if let s = f.state {
            if s == "open" { clauses.append("a.state != 'resolved'") } else { clauses.append("a.state = ?"); args.append(s) }
        }
        args.append(f.limit)
        let sql = """
            SELECT a.id, d.id AS device, a.type, d.site, a.rule, a.severity, a.state, a.started_at, a.fired_at,
                   a.resolved_at, a.repeats, a.acked_by, a.acked_at, a.incident_id AS incident, a.message, a.pack, a.inputs
            FROM alarms a JOIN devices d ON d.num = a.device_num
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY a.started_at DESC, a.id DESC LIMIT ?
            """
        return try table(sql, StatementArguments(args), columns: [
            "id": .int, "device": .text, "type": .text, "site": .text, "rule": .text, "severity": .text, "state": .text,
            "started_at": .time, "fired_at": .time, "resolved_at": .time, "repeats": .int, "acked_by": .text,
            "acked_at": .time, "incident": .int, "message": .text, "pack": .text, "inputs": .json,
        ], order: ["id", "device", "type", "site", "rule", "severity", "state", "started_at", "fired_at", "resolved_at",
                   "repeats", "acked_by", "acked_at", "incident", "message", "pack", "inputs"])
    }

    public func incidents(_ f: AlarmFilter) throws(StoreError) -> ResultTable {
        var clauses = ["i.opened_at >= ?", "i.opened_at <= ?"]
        var args: [(any DatabaseValueConvertible)?] = [f.from ?? Int64.min, f.to ?? Int64.max]
        for (column, value) in [("d.id", f.device), ("i.type", f.type), ("i.site", f.site), ("d.firm", f.firm),
                                ("i.severity", f.severity), ("i.status", f.state), ("i.rule", f.rule)] {
            if let value { clauses.append("\(column) = ?"); args.append(value) }
        }
        args.append(f.limit)
        let sql = """
            SELECT i.id, d.id AS device, i.type, i.site, i.rule, i.severity, i.status, i.opened_at, i.resolved_at,
                   i.alarm_id AS alarm, i.title, i.pack, i.inputs
            FROM incidents i JOIN devices d ON d.num = i.device_num
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY i.opened_at DESC, i.id DESC LIMIT ?
            """
        return try table(sql, StatementArguments(args), columns: [
            "id": .int, "device": .text, "type": .text, "site": .text, "rule": .text, "severity": .text, "status": .text,
            "opened_at": .time, "resolved_at": .time, "alarm": .int, "title": .text, "pack": .text, "inputs": .json,
        ], order: ["id", "device", "type", "site", "rule", "severity", "status", "opened_at", "resolved_at", "alarm",
                   "title", "pack", "inputs"])
    }

    /// An incident's timeline, oldest first.
    public func incidentTimeline(_ id: Int64) throws(StoreError) -> ResultTable {
        try table("SELECT at, kind, detail FROM incident_timeline WHERE incident_id = ? ORDER BY at, id", [id],
                  columns: ["at": .time, "kind": .text, "detail": .json], order: ["at", "kind", "detail"])
    }
}
