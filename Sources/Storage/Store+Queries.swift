import Domain
import Records
import Foundation
import GRDB

/// A WHERE clause assembled from optional filters; values are always bound, never spliced.
struct Conditions {
    private(set) var clauses: [String] = []
    private(set) var arguments = StatementArguments()

    init(_ fixed: [(String, (any DatabaseValueConvertible)?)] = []) {
        for (clause, value) in fixed { add(clause, value) }
    }

    /// Adds `column = ?` when `value` is present.
    mutating func equal(_ column: String, _ value: (any DatabaseValueConvertible)?) {
        guard let value else { return }
        add("\(column) = ?", value)
    }

    mutating func add(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
        clauses.append(clause)
        arguments += [value]
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

    /// Restricts to the devices `role` may see (`d` is the devices table): in the query, so a
    /// row outside the scope is never read, let alone returned.
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

extension SQLiteStore {
    /// Fetches typed rows; `arguments` are bound after the conditions' own.
    func rows<Row: FetchableRecord>(_ type: Row.Type, _ sql: String, _ arguments: StatementArguments) throws(StoreError) -> [Row] {
        do { return try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) } }
        catch { throw StoreError(operation: "query", error) }
    }

    /// Registered devices with their site category, gateway state and last contact.
    /// `monitored` is false while the device's gateway last reported itself offline.
    public func devices(_ filter: DeviceFilter, limit: Int = 10_000) throws(StoreError) -> [DeviceItem] {
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
        return try rows(DeviceItem.self, """
            SELECT d.id, d.type, d.gateway, d.site, s.name AS site_name, s.category AS location, d.owner, o.name AS owner_name,
                   d.firm, f.name AS firm_name, d.commissioned,
                   CASE WHEN g.online = 0 THEN 0 ELSE 1 END AS monitored,
                   st.last_received_at AS last_seen, COALESCE(st.messages, 0) AS messages,
                   r.grade AS risk_grade, r.score AS risk_score,
                   mn.device_num IS NOT NULL AS must_not_use, \(localized("mn.reason", filter.language)) AS must_not_use_reason,
                   mn.reason_key AS must_not_use_code, d.attributes
            FROM devices d
            LEFT JOIN device_risk r ON r.device_num = d.num
            LEFT JOIN device_compliance mn ON mn.device_num = d.num
            LEFT JOIN sites s ON s.id = d.site
            LEFT JOIN owners o ON o.id = d.owner
            LEFT JOIN firms f ON f.id = d.firm
            LEFT JOIN gateways g ON g.id = d.gateway
            LEFT JOIN device_state st ON st.device_num = d.num
            \(c.sql)
            ORDER BY d.id LIMIT ?
            """, c.arguments + [limit])
    }

    /// Readings of one device by reading time, newest first; `after` continues a page.
    ///
    /// Rows are read newest first by their latest reading and unpacked (`ReadingRows`), so
    /// reading stops at the first row older than the page's oldest reading, as it would with a
    /// row per reading.
    public func readings(device: String, from: Int64?, to: Int64?, limit: Int, scope: Role = .supervisor,
                         after: PageCursor? = nil) throws(StoreError) -> [ReadingItem] {
        let lo = from ?? Int64.min, hi = to ?? Int64.max
        // Nothing newer than this is on the page: the range's end, or the cursor's reading.
        let upper = min(hi, after?.sort ?? Int64.max)
        guard limit > 0 else { return [] }
        // Rows whose latest reading is at most `upper`, newest first, by the index; and the rows
        // of several readings that end after `upper` but begin at or before it (their readings
        // lie in [ts_first, ts], at most `maxSpanMs` apart), by the partial index of such rows.
        var within = Conditions([("d.id = ?", device), ("r.ts >= ?", lo), ("r.ts <= ?", upper)])
        within.scope(scope)
        var straddling = Conditions([("d.id = ?", device), ("r.ts > ?", upper),
                                     ("r.ts <= ?", upper < Int64.max - ReadingRows.maxSpanMs ? upper + ReadingRows.maxSpanMs : Int64.max),
                                     ("r.ts_first <= ?", upper)])
        straddling.add("r.elements IS NOT NULL")
        straddling.scope(scope)
        let columns = "SELECT r.id, r.ts, r.seq, r.received_at, r.data, r.elements FROM readings r JOIN devices d ON d.num = r.device_num"
        do {
            return try pool.read { db in
                var page = ReadingPage(limit: limit, from: lo, to: hi, after: after)
                func add(_ row: Row) {
                    page.add(ReadingRows.readings(id: row["id"], ts: row["ts"], seq: row["seq"], receivedAt: row["received_at"],
                                                  elements: row["elements"], data: row["data"]))
                }
                if upper < Int64.max {
                    for row in try Row.fetchAll(db, sql: "\(columns) \(straddling.sql)", arguments: straddling.arguments) { add(row) }
                }
                let rows = try Row.fetchCursor(db, sql: "\(columns) \(within.sql) ORDER BY r.ts DESC, r.id DESC", arguments: within.arguments)
                while let row = try rows.next() {
                    // Rows come by their latest reading: none further on holds anything newer.
                    if page.isComplete(before: row["ts"]) { break }
                    add(row)
                }
                return page.items
            }
        } catch {
            throw StoreError(operation: "query readings", error)
        }
    }

    /// Device and pipeline events (sequence gaps, band excursions...), newest first; with
    /// `deviceFirst` the controllers' own events come before the derived ones (not pageable).
    public func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int, scope: Role = .supervisor,
                       after: PageCursor? = nil, source: EventSource? = nil, deviceFirst: Bool = false) throws(StoreError) -> [EventItem] {
        var c = Conditions([("e.ts >= ?", from ?? Int64.min), ("e.ts <= ?", to ?? Int64.max)])
        c.equal("d.id", device)
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

    /// Rejected messages, newest first. Payloads are shown as text when they are UTF-8.
    public func deadLetters(reason: DeadLetterReason?, from: Int64?, to: Int64?, limit: Int, gateway: String? = nil,
                            device: String? = nil, after: PageCursor? = nil) throws(StoreError) -> [DeadLetterItem] {
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

    /// Row counts per table, for health checks, tests and the bench.
    public func count(_ table: CountedTable) throws(StoreError) -> Int {
        // A row may hold several readings (`elements`, ReadingRows).
        let sql = table == .readings ? "SELECT COUNT(*) + COALESCE(SUM(elements - 1), 0) FROM readings" : "SELECT COUNT(*) FROM \(table.rawValue)"
        do { return try pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 } }
        catch { throw StoreError(operation: "count", error) }
    }

}
