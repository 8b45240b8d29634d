import Domain
import Foundation
import GRDB

/// Filters for notices (the CLI now, `GET /v1/notices` later).
public struct NoticeFilter: Sendable {
    public var firm: String?
    public var status: String?
    public var device: String?
    public var kind: String?
    public var limit = 100
    public init() {}
}

extension Store {
    /// Notices, newest first.
    public func notices(_ f: NoticeFilter) throws(StoreError) -> ResultTable {
        var clauses: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        for (column, value) in [("n.firm", f.firm), ("n.status", f.status), ("d.id", f.device), ("n.kind", f.kind)] {
            if let value { clauses.append("\(column) = ?"); args.append(value) }
        }
        args.append(f.limit)
        return try table("""
            SELECT n.id, n.created_at, n.kind, d.id AS device, n.type, n.firm, n.trigger, n.reason, n.due_by, n.status,
                   n.acked_by, n.acked_at, n.closed_at, n.closed_by_record, n.detail
            FROM notices n JOIN devices d ON d.num = n.device_num
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY n.id DESC LIMIT ?
            """, StatementArguments(args), columns: [
                "id": .int, "created_at": .time, "kind": .text, "device": .text, "type": .text, "firm": .text, "trigger": .text,
                "reason": .text, "due_by": .time, "status": .text, "acked_by": .text, "acked_at": .time, "closed_at": .time,
                "closed_by_record": .int, "detail": .json,
            ], order: ["id", "created_at", "kind", "device", "type", "firm", "trigger", "reason", "due_by", "status",
                       "acked_by", "acked_at", "closed_at", "closed_by_record", "detail"])
    }

    /// A device's maintenance records, newest first, with the counter baseline each began.
    public func maintenanceHistory(device: String, limit: Int = 1000) throws(StoreError) -> ResultTable {
        try table("""
            SELECT r.id, r.done_at, r.firm, r.items, r.source, r.reported_at, r.applied_at, r.baseline
            FROM maintenance_records r JOIN devices d ON d.num = r.device_num
            WHERE d.id = ? ORDER BY r.done_at DESC, r.id DESC LIMIT ?
            """, [device, limit], columns: [
                "id": .int, "done_at": .time, "firm": .text, "items": .json, "source": .text, "reported_at": .time,
                "applied_at": .time, "baseline": .json,
            ], order: ["id", "done_at", "firm", "items", "source", "reported_at", "applied_at", "baseline"])
    }

    /// The device's current grade and the factors behind it.
    public func riskDetail(device: String) throws(StoreError) -> (grade: ResultTable, factors: ResultTable) {
        let grade = try table("""
            SELECT r.grade, r.score, r.likelihood, r.exposure, r.consequence, r.model, r.computed_at, r.since
            FROM device_risk r JOIN devices d ON d.num = r.device_num WHERE d.id = ?
            """, [device], columns: [
                "grade": .text, "score": .real, "likelihood": .real, "exposure": .real, "consequence": .real, "model": .text,
                "computed_at": .time, "since": .time,
            ], order: ["grade", "score", "likelihood", "exposure", "consequence", "model", "computed_at", "since"])
        let factors = try table("""
            SELECT json_extract(f.value, '$.part') AS part, json_extract(f.value, '$.name') AS factor,
                   json_extract(f.value, '$.input') AS input, json_extract(f.value, '$.value') AS value
            FROM device_risk r JOIN devices d ON d.num = r.device_num, json_each(r.factors) f WHERE d.id = ?
            ORDER BY f.key
            """, [device], columns: ["part": .text, "factor": .text, "input": .text, "value": .real],
            order: ["part", "factor", "input", "value"])
        return (grade, factors)
    }

    /// The device's grade history, newest first.
    public func riskHistory(device: String, limit: Int = 100) throws(StoreError) -> ResultTable {
        try table("""
            SELECT g.at, g.previous, g.grade, g.score, g.model FROM risk_grades g JOIN devices d ON d.num = g.device_num
            WHERE d.id = ? ORDER BY g.at DESC, g.id DESC LIMIT ?
            """, [device, limit], columns: ["at": .time, "previous": .text, "grade": .text, "score": .real, "model": .text],
            order: ["at", "previous", "grade", "score", "model"])
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
