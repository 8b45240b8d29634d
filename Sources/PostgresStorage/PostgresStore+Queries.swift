import Domain
import Records
import Foundation

/// A WHERE clause assembled from optional filters; values are always bound, never spliced.
struct Conditions {
    private(set) var clauses: [String] = []
    private(set) var arguments: SQLArguments = []

    init(_ fixed: [(String, any SQLBindable)] = []) {
        for (clause, value) in fixed { add(clause, value) }
    }

    mutating func equal(_ column: String, _ value: (any SQLBindable)?) {
        guard let value else { return }
        add("\(column) = ?", value)
    }

    mutating func add(_ clause: String, _ value: any SQLBindable) {
        clauses.append(clause)
        arguments.append(value)
    }

    mutating func add(_ clause: String) { clauses.append(clause) }

    /// Restricts rows of an owner's own (its routine, its policies) to `role`: an owner its own,
    /// a supervisor all, a firm none.
    mutating func ownerScope(_ role: Role, column: String = "owner") {
        switch role {
        case .supervisor: break
        case .owner(let id): add("\(column) = ?", id)
        case .firm: add("1 = 0")
        }
    }

    /// Restricts to the devices `role` may see (`d` is the devices table), in the query.
    mutating func scope(_ role: Role, table: String = "d") {
        switch role {
        case .supervisor: break
        case .firm(let id): add("\(table).firm = ?", id)
        case .owner(let id): add("\(table).owner = ?", id)
        }
    }

    /// Rows after `cursor` in a descending (sort, id) order.
    mutating func before(_ cursor: PageCursor?, sort: String, id: String) {
        guard let cursor else { return }
        clauses.append("(\(sort), \(id)) < (?, ?)")
        arguments += [cursor.sort, cursor.id]
    }

    var sql: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
}

/// The SQL of a text column read in `language`: its Chinese twin when the reader reads Chinese.
func localized(_ column: String, _ language: Language) -> String {
    language == .zh ? "COALESCE(\(column)_zh, \(column))" : column
}

extension PostgresStore {
    public func devices(_ filter: DeviceFilter, limit: Int) throws(StoreError) -> [DeviceItem] {
        var c = Conditions()
        c.equal("d.type", filter.type)
        c.equal("d.site", filter.site)
        c.equal("d.firm", filter.firm)
        c.equal("d.gateway", filter.gateway)
        c.equal("r.grade", filter.grade)
        c.equal("d.id", filter.id)
        c.equal("d.owner", filter.owner)
        if let m = filter.mustNotUse { c.add(m ? "mn.device_num IS NOT NULL" : "mn.device_num IS NULL") }
        c.scope(filter.scope)
        if let after = filter.after { c.add("d.id > ?", after) }
        // The names and the device's state as lookups in the select list, not joins: PostgreSQL
        // plans each on its own, where eight joined tables cost it a search over their orders
        // (measured on a loaded 2-core machine: 8–50 ms to plan, 0.3–3 ms to run; as lookups
        // 1–2 ms to plan). The filters need only the risk and must-not-use rows, joined.
        return try rows(DeviceItem.self, """
            SELECT d.id, d.type, d.gateway, d.site,
                   (SELECT s.name FROM sites s WHERE s.id = d.site) AS site_name,
                   (SELECT s.category FROM sites s WHERE s.id = d.site) AS location,
                   d.owner, (SELECT o.name FROM owners o WHERE o.id = d.owner) AS owner_name,
                   d.firm, (SELECT f.name FROM firms f WHERE f.id = d.firm) AS firm_name, d.commissioned,
                   CASE WHEN (SELECT g.online FROM gateways g WHERE g.id = d.gateway) = 0 THEN 0 ELSE 1 END AS monitored,
                   (SELECT st.last_received_at FROM device_state st WHERE st.device_num = d.num) AS last_seen,
                   COALESCE((SELECT st.messages FROM device_state st WHERE st.device_num = d.num), 0) AS messages,
                   r.grade AS risk_grade, r.score AS risk_score,
                   mn.device_num IS NOT NULL AS must_not_use, \(localized("mn.reason", filter.language)) AS must_not_use_reason,
                   mn.reason_key AS must_not_use_code, d.attributes
            FROM devices d
            LEFT JOIN device_risk r ON r.device_num = d.num
            LEFT JOIN device_compliance mn ON mn.device_num = d.num
            \(c.sql)
            ORDER BY d.id LIMIT ?
            """, c.arguments + [limit])
    }

    /// Readings of one device newest first, rows unpacked as on SQLite (`ReadingRows`).
    public func readings(device: String, from: Int64?, to: Int64?, limit: Int, scope: Role, after: PageCursor?) throws(StoreError) -> [ReadingItem] {
        let lo = from ?? Int64.min, hi = to ?? Int64.max
        let upper = min(hi, after?.sort ?? Int64.max)
        guard limit > 0 else { return [] }
        var device = Conditions([("d.id = ?", device)])
        device.scope(scope)
        let columns = "SELECT r.id, r.ts, r.seq, r.received_at, r.data, r.elements FROM readings r"
        var page = ReadingPage(limit: limit, from: lo, to: hi, after: after)
        try read("query readings") { s in
            // The device's number first, so that each month's partition is read by its index
            // backwards and stops at the page (joined to devices, the number is unknown when
            // the statement is planned: every row of the range was read and sorted, 13 ms
            // against 2 ms for a device's 30 days here).
            guard let num = try s.int("SELECT d.num FROM devices d \(device.sql)", device.arguments) else { return }
            let within = Conditions([("r.device_num = ?", num), ("r.ts >= ?", lo), ("r.ts <= ?", upper)])
            if upper < Int64.max {
                var straddling = Conditions([("r.device_num = ?", num), ("r.ts > ?", upper),
                                             ("r.ts <= ?", upper < Int64.max - ReadingRows.maxSpanMs ? upper + ReadingRows.maxSpanMs : Int64.max),
                                             ("r.ts_first <= ?", upper)])
                straddling.add("r.elements IS NOT NULL")
                for row in try s.rows("\(columns) \(straddling.sql)", straddling.arguments) { page.add(Self.stored(row)) }
            }
            // Pages of rows by the index, newest first, until no row further on can be newer.
            var bound: (ts: Int64, id: Int64)?
            repeat {
                var c = within
                c.before(bound.map { PageCursor(sort: $0.ts, id: $0.id) }, sort: "r.ts", id: "r.id")
                let rows = try s.rows("\(columns) \(c.sql) ORDER BY r.ts DESC, r.id DESC LIMIT ?", c.arguments + [limit])
                for row in rows {
                    let ts = row.int("ts") ?? 0
                    if page.isComplete(before: ts) { return }
                    page.add(Self.stored(row))
                    bound = (ts, row.int("id") ?? 0)
                }
                if rows.count < limit { return }
            } while true
        }
        return page.items
    }

    static func stored(_ row: SQLRow) -> [ReadingRows.Reading]? {
        ReadingRows.readings(id: row.int("id") ?? 0, ts: row.int("ts") ?? 0, seq: row.int("seq"), receivedAt: row.int("received_at") ?? 0,
                             elements: row.int("elements"), data: row.text("data") ?? "")
    }

    public func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int, scope: Role,
                       after: PageCursor?, source: EventSource?, deviceFirst: Bool) throws(StoreError) -> [EventItem] {
        var c = Conditions([("e.ts >= ?", from ?? Int64.min), ("e.ts <= ?", to ?? Int64.max)])
        c.equal("d.id", device)
        // The number as a value for the planner too: the device's events read by their index, newest first.
        if let device { c.add("e.device_num = (SELECT num FROM devices WHERE id = ?)", device) }
        c.equal("e.code", code)
        c.equal("e.source", source?.rawValue)
        c.scope(scope)
        c.before(after, sort: "e.ts", id: "e.id")
        return try rows(EventItem.self, """
            SELECT e.id, d.id AS device, e.ts, e.code, e.source, e.seq, e.received_at, e.data
            FROM events e JOIN devices d ON d.num = e.device_num
            \(c.sql) ORDER BY \(deviceFirst ? "e.source = 'device' DESC, " : "")e.ts DESC, e.id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    public func deadLetters(reason: DeadLetterReason?, from: Int64?, to: Int64?, limit: Int, gateway: String?,
                            device: String?, after: PageCursor?) throws(StoreError) -> [DeadLetterItem] {
        var c = Conditions([("received_at >= ?", from ?? Int64.min), ("received_at <= ?", to ?? Int64.max)])
        c.equal("reason", reason)
        c.equal("gateway", gateway)
        c.equal("device", device)
        if let after { c.add("id < ?", after.id) }
        return try rows(DeadLetterItem.self, """
            SELECT id, received_at, reason, detail, topic, gateway, device, payload_size, payload, payload_sha256 FROM dead_letters
            \(c.sql) ORDER BY id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    public func count(_ table: CountedTable) throws(StoreError) -> Int {
        let sql = table == .readings ? "SELECT COUNT(*) + COALESCE(SUM(elements - 1), 0) FROM readings" : "SELECT COUNT(*) FROM \(table.rawValue)"
        return try query("count") { s in Int(try s.int(sql) ?? 0) }
    }

    // MARK: Alarms and incidents

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

    public func openAlarmsBySeverity() throws(StoreError) -> [Severity: Int] {
        try query("count open alarms") { s in
            var out: [Severity: Int] = [:]
            for row in try s.rows("SELECT severity, COUNT(*) AS n FROM alarms WHERE state != 'resolved' GROUP BY severity") {
                if let sev = Severity(rawValue: row.text("severity") ?? "") { out[sev] = Int(row.int("n") ?? 0) }
            }
            return out
        }
    }

    public func outboxBacklog() throws(StoreError) -> Int {
        try query("count the outbox") { s in Int(try s.int("SELECT COUNT(*) FROM outbox") ?? 0) }
    }

    public func incidentTimeline(_ id: Int64) throws(StoreError) -> [TimelineItem]? {
        try read("query") { s in
            guard try s.int("SELECT 1 FROM incidents WHERE id = ?", [id]) != nil else { return nil }
            return try s.records(TimelineItem.self, "SELECT at, kind, detail FROM incident_timeline WHERE incident_id = ? ORDER BY at, id", [id])
        }
    }
}

extension AlarmFilter {
    /// The filters alarms and incidents share, on `table` and its time column.
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
