import Domain
import Foundation
import GRDB

/// Filters of the device list (the CLI's `devices`, the API's `GET /v1/devices`).
public struct DeviceFilter: Sendable {
    public var type: String?
    public var site: String?
    public var firm: String?
    public var gateway: String?
    public var grade: Grade?
    /// One device by registration code.
    public var id: String?
    public init(type: String? = nil, site: String? = nil, firm: String? = nil, gateway: String? = nil, grade: Grade? = nil) {
        self.type = type
        self.site = site
        self.firm = firm
        self.gateway = gateway
        self.grade = grade
    }
}

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

    var sql: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
}

extension Store {
    /// Fetches typed rows; `arguments` are bound after the conditions' own.
    func rows<Row: QueryRow>(_ type: Row.Type, _ sql: String, _ arguments: StatementArguments) throws(StoreError) -> [Row] {
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
        return try rows(DeviceItem.self, """
            SELECT d.id, d.type, d.gateway, d.site, s.category AS location, d.owner, d.firm, d.commissioned,
                   CASE WHEN g.online = 0 THEN 0 ELSE 1 END AS monitored,
                   st.last_received_at AS last_seen, COALESCE(st.messages, 0) AS messages,
                   r.grade AS risk_grade, r.score AS risk_score, d.attributes
            FROM devices d
            LEFT JOIN device_risk r ON r.device_num = d.num
            LEFT JOIN sites s ON s.id = d.site
            LEFT JOIN gateways g ON g.id = d.gateway
            LEFT JOIN device_state st ON st.device_num = d.num
            \(c.sql)
            ORDER BY d.id LIMIT ?
            """, c.arguments + [limit])
    }

    /// Readings of one device by reading time, newest first.
    public func readings(device: String, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> [ReadingItem] {
        try rows(ReadingItem.self, """
            SELECT r.ts, r.seq, r.received_at, r.data FROM readings r JOIN devices d ON d.num = r.device_num
            WHERE d.id = ? AND r.ts >= ? AND r.ts <= ? ORDER BY r.ts DESC, r.id DESC LIMIT ?
            """, [device, from ?? Int64.min, to ?? Int64.max, limit])
    }

    /// Device and pipeline events (sequence gaps, band excursions...), newest first.
    public func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> [EventItem] {
        var c = Conditions([("e.ts >= ?", from ?? Int64.min), ("e.ts <= ?", to ?? Int64.max)])
        c.equal("d.id", device)
        c.equal("e.code", code)
        return try rows(EventItem.self, """
            SELECT d.id AS device, e.ts, e.code, e.source, e.seq, e.received_at, e.data
            FROM events e JOIN devices d ON d.num = e.device_num
            \(c.sql) ORDER BY e.ts DESC, e.id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    /// Rejected messages, newest first. Payloads are shown as text when they are UTF-8.
    public func deadLetters(reason: DeadLetterReason?, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> [DeadLetterItem] {
        var c = Conditions([("received_at >= ?", from ?? Int64.min), ("received_at <= ?", to ?? Int64.max)])
        c.equal("reason", reason)
        return try rows(DeadLetterItem.self, """
            SELECT id, received_at, reason, detail, topic, gateway, device, payload_size, payload FROM dead_letters
            \(c.sql) ORDER BY id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    /// Row counts per table, for health checks, tests and the bench.
    public func count(_ table: CountedTable) throws(StoreError) -> Int {
        do { return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.rawValue)") ?? 0 } }
        catch { throw StoreError(operation: "count", error) }
    }

    public enum CountedTable: String, Sendable {
        case readings, events, deadLetters = "dead_letters", devices, gatewayStatus = "gateway_status"
    }
}
