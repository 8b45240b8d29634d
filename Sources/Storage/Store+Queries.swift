import Domain
import Foundation
import GRDB

/// Filters shared by the query commands (and later the HTTP API).
public struct DeviceFilter: Sendable {
    public var type: String?
    public var site: String?
    public var firm: String?
    public var gateway: String?
    /// Risk grade: red, orange, yellow or blue.
    public var grade: String?
    /// One device by registration code.
    public var id: String?
    public init(type: String? = nil, site: String? = nil, firm: String? = nil, gateway: String? = nil, grade: String? = nil) {
        self.type = type
        self.site = site
        self.firm = firm
        self.gateway = gateway
        self.grade = grade
    }
}

extension Store {
    /// Registered devices with their site category, gateway state and last contact.
    /// `monitored` is false while the device's gateway last reported itself offline.
    public func devices(_ filter: DeviceFilter, limit: Int = 10_000) throws(StoreError) -> ResultTable {
        var clauses: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        for (column, value) in [("d.type", filter.type), ("d.site", filter.site), ("d.firm", filter.firm), ("d.gateway", filter.gateway), ("r.grade", filter.grade), ("d.id", filter.id)] {
            if let value { clauses.append("\(column) = ?"); args.append(value) }
        }
        args.append(limit)
        let sql = """
            SELECT d.id, d.type, d.gateway, d.site, s.category AS location, d.owner, d.firm, d.commissioned,
                   CASE WHEN g.online = 0 THEN 0 ELSE 1 END AS monitored,
                   st.last_received_at AS last_seen, COALESCE(st.messages, 0) AS messages,
                   r.grade AS risk_grade, r.score AS risk_score, d.attributes
            FROM devices d
            LEFT JOIN device_risk r ON r.device_num = d.num
            LEFT JOIN sites s ON s.id = d.site
            LEFT JOIN gateways g ON g.id = d.gateway
            LEFT JOIN device_state st ON st.device_num = d.num
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY d.id LIMIT ?
            """
        return try table(sql, StatementArguments(args), columns: [
            "id": .text, "type": .text, "gateway": .text, "site": .text, "location": .text, "owner": .text, "firm": .text,
            "commissioned": .text, "monitored": .bool, "last_seen": .time, "messages": .int, "risk_grade": .text, "risk_score": .real,
            "attributes": .json,
        ], order: ["id", "type", "gateway", "site", "location", "owner", "firm", "commissioned", "monitored", "last_seen", "messages",
                   "risk_grade", "risk_score", "attributes"])
    }

    /// Readings of one device by reading time, newest first.
    public func readings(device: String, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> ResultTable {
        let sql = """
            SELECT r.ts, r.seq, r.received_at, r.data FROM readings r JOIN devices d ON d.num = r.device_num
            WHERE d.id = ? AND r.ts >= ? AND r.ts <= ? ORDER BY r.ts DESC, r.id DESC LIMIT ?
            """
        return try table(sql, [device, from ?? Int64.min, to ?? Int64.max, limit],
                         columns: ["ts": .time, "seq": .int, "received_at": .time, "data": .json],
                         order: ["ts", "seq", "received_at", "data"])
    }

    /// Device and pipeline events (sequence gaps, band excursions...), newest first.
    public func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> ResultTable {
        var clauses = ["e.ts >= ?", "e.ts <= ?"]
        var args: [(any DatabaseValueConvertible)?] = [from ?? Int64.min, to ?? Int64.max]
        if let device { clauses.append("d.id = ?"); args.append(device) }
        if let code { clauses.append("e.code = ?"); args.append(code) }
        args.append(limit)
        let sql = """
            SELECT d.id AS device, e.ts, e.code, e.source, e.seq, e.received_at, e.data
            FROM events e JOIN devices d ON d.num = e.device_num
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY e.ts DESC, e.id DESC LIMIT ?
            """
        return try table(sql, StatementArguments(args), columns: [
            "device": .text, "ts": .time, "code": .text, "source": .text, "seq": .int, "received_at": .time, "data": .json,
        ], order: ["device", "ts", "code", "source", "seq", "received_at", "data"])
    }

    /// Rejected messages, newest first. Payloads are shown as text when they are UTF-8.
    public func deadLetters(reason: String?, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> ResultTable {
        var clauses = ["received_at >= ?", "received_at <= ?"]
        var args: [(any DatabaseValueConvertible)?] = [from ?? Int64.min, to ?? Int64.max]
        if let reason { clauses.append("reason = ?"); args.append(reason) }
        args.append(limit)
        let sql = """
            SELECT id, received_at, reason, detail, topic, gateway, device, payload_size, payload FROM dead_letters
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?
            """
        return try table(sql, StatementArguments(args), columns: [
            "id": .int, "received_at": .time, "reason": .text, "detail": .text, "topic": .text, "gateway": .text,
            "device": .text, "payload_size": .int, "payload": .blobText,
        ], order: ["id", "received_at", "reason", "detail", "topic", "gateway", "device", "payload_size", "payload"])
    }

    /// Row counts per table, for health checks, tests and the bench.
    public func count(_ table: CountedTable) throws(StoreError) -> Int {
        do { return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.rawValue)") ?? 0 } }
        catch { throw StoreError(operation: "count", error) }
    }

    public enum CountedTable: String, Sendable {
        case readings, events, deadLetters = "dead_letters", devices, gatewayStatus = "gateway_status"
    }

    enum ColumnKind { case text, int, real, bool, time, json, blobText }

    func table(_ sql: String, _ arguments: StatementArguments, columns: [String: ColumnKind], order: [String]) throws(StoreError) -> ResultTable {
        do {
            return try pool.read { db in
                var result = ResultTable(columns: order)
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    result.rows.append(order.map { name in
                        let v: DatabaseValue = row[name]
                        if v.isNull { return .null }
                        switch columns[name] ?? .text {
                        case .text: return .text(String.fromDatabaseValue(v) ?? "")
                        case .int: return .int(Int64.fromDatabaseValue(v) ?? 0)
                        case .real: return .double(Double.fromDatabaseValue(v) ?? 0)
                        case .bool: return .bool((Int64.fromDatabaseValue(v) ?? 0) != 0)
                        case .time: return .text(Timestamp.format(Int64.fromDatabaseValue(v) ?? 0))
                        case .json: return .json(String.fromDatabaseValue(v) ?? "null")
                        case .blobText:
                            let data = Data.fromDatabaseValue(v) ?? Data()
                            return .text(String(data: data, encoding: .utf8) ?? "base64:" + data.base64EncodedString())
                        }
                    })
                }
                return result
            }
        } catch {
            throw StoreError(operation: "query", error)
        }
    }
}
