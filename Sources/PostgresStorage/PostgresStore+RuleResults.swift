import Domain
import Records
import Foundation

/// What the rules and the planner decided, written in the commit's transaction with a few
/// multi-row statements instead of a few statements an alarm.
///
/// Why: a commit in an alarm storm (a power cut stops a district's elevators; a fresh start
/// raises what the first messages show) carries tens to hundreds of alarm changes and notices.
/// Row by row that was four to six round trips each, 90 ms for 40 alarms and 40 notices on this
/// machine, and every message of the commit waited for it. The rows and their effects are the
/// same as SQLite's row-by-row writes: for each alarm and incident the last change of the commit
/// wins, the incident timeline and the stream get every change in order.
extension PostgresStore {
    /// Alarms (engine-owned columns only, so an acknowledgement is never overwritten), their
    /// incidents and timelines, rescues they resolve, rule state, and the outbox.
    static func insertRuleResults(_ batch: CommitBatch, _ s: SQLSession) throws(StoreError) {
        var last: [Int64: Int] = [:]      // alarm id → its last write in the batch
        var firstOpen: [Int64: Int] = [:] // incident id → the write that opens it
        var lastUpdate: [Int64: Int] = [:]
        var timeline: [[any SQLBindable]] = []
        var resolved: [Int64: Int64] = [:] // alarm id → when it was first resolved in the batch
        for (i, write) in batch.alarms.enumerated() {
            let change = write.change
            let a = change.alarm
            last[a.id] = i
            if change.transition == .cancelled { continue }
            if let payload = write.payload { try insertChange(.alarm, deviceNum: a.deviceNum, at: change.at, payload: payload, s) }
            if change.transition == .resolved, let at = a.resolvedAt, resolved[a.id] == nil { resolved[a.id] = at }
            guard let incident = a.incidentId else { continue }
            if change.opensIncident, firstOpen[incident] == nil { firstOpen[incident] = i }
            switch change.transition {
            case .raised, .escalated, .resolved:
                lastUpdate[incident] = i
                timeline.append([incident, change.at, change.opensIncident ? "opened" : change.transition.rawValue, write.payload ?? "{}"])
            default:
                break
            }
        }
        let finals = last.values.sorted()
        let gone = finals.filter { batch.alarms[$0].change.transition == .cancelled }.map { batch.alarms[$0].change.alarm.id }
        if !gone.isEmpty {
            try s.execute("DELETE FROM alarms WHERE id IN (\(placeholders(gone.count)))", gone)
        }
        try insertRows("""
            alarms(id, device_num, type, rule, family, pack, severity, state, started_at, fired_at,
                   resolved_at, repeats, last_at, message, message_zh, inputs, incident_id)
            """, finals.filter { batch.alarms[$0].change.transition != .cancelled }.map { i -> [any SQLBindable] in
                let a = batch.alarms[i].change.alarm
                return [a.id, a.deviceNum, a.type, a.rule, a.family, a.pack, a.severity, a.state.rawValue, a.startedAt,
                        a.firedAt, a.resolvedAt, a.repeats, a.lastAt, a.message, a.messageZh, a.inputs, a.incidentId]
            }, suffix: """
            ON CONFLICT(id) DO UPDATE SET
                rule = excluded.rule, pack = excluded.pack, severity = excluded.severity, state = excluded.state,
                fired_at = excluded.fired_at, resolved_at = excluded.resolved_at, repeats = excluded.repeats,
                last_at = excluded.last_at, message = excluded.message, message_zh = excluded.message_zh, inputs = excluded.inputs,
                incident_id = excluded.incident_id
            """, s)
        try updateRows("rescues r SET resolved_at = v.resolved_at",
                       columns: [("alarm_id", .bigint), ("resolved_at", .bigint)],
                       rows: resolved.sorted { $0.key < $1.key }.map { [$0.key, $0.value] },
                       where: "r.alarm_id = v.alarm_id AND r.resolved_at IS NULL", s)
        try insertRows("incidents(id, alarm_id, device_num, type, site, rule, pack, severity, status, opened_at, title, title_zh, inputs)",
                       firstOpen.values.sorted().map { i -> [any SQLBindable] in
                           let (a, at) = (batch.alarms[i].change.alarm, batch.alarms[i].change.at)
                           return [a.incidentId, a.id, a.deviceNum, a.type, a.site, a.rule, a.pack, a.severity, "open", at, a.message, a.messageZh, a.inputs]
                       }, suffix: "ON CONFLICT DO NOTHING", s)
        try updateRows("incidents i SET severity = v.severity, status = v.status, resolved_at = v.resolved_at",
                       columns: [("id", .bigint), ("severity", .text), ("status", .text), ("resolved_at", .bigint)],
                       rows: lastUpdate.sorted { $0.key < $1.key }.map { incident, i -> [any SQLBindable] in
                           let a = batch.alarms[i].change.alarm
                           return [incident, a.severity, a.state == .resolved ? "resolved" : "open", a.resolvedAt]
                       }, where: "i.id = v.id", s)
        try insertRows("incident_timeline(incident_id, at, kind, detail)", timeline, s)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Every device whose rule state moved, in one statement (a commit under load moves hundreds).
        try insertRows("rule_state(device_num, state, updated_at)", latestPerDevice(batch.ruleStates).map { [$0.device, $0.state, now] },
                       suffix: "ON CONFLICT(device_num) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at", s)
        for m in batch.outbox { s.follow(outbox: m.topic, payload: m.payload, at: now) }
    }

    /// `UPDATE target FROM (VALUES …) AS v(columns)`, as few statements as binding allows, each
    /// value cast to its column's type. Each row's key at most once.
    static func updateRows(_ target: String, columns: [(name: String, type: SQLColumnType)], rows: [[any SQLBindable]],
                           where condition: String, _ s: SQLSession) throws(StoreError) {
        let names = columns.map(\.name).joined(separator: ", ")
        try s.eachSlice(rows, types: columns.map(\.type)) { "UPDATE \(target) FROM (VALUES \($0)) AS v(\(names)) WHERE \(condition)" }
    }

    /// `?,?,…` for an `IN` list of `count` values.
    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }
}
