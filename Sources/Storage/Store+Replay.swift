import Domain
import GRDB

extension Store {
    /// A stored message for a replay: telemetry readings and device-sent events, by event time.
    public struct StoredMessage: Sendable {
        public let deviceNum: Int64
        public let ts: Int64
        public let isEvent: Bool
        public let code: String?
        public let data: String
    }

    /// Calls `body` with every stored reading and device event with `from <= ts <= to`, in `ts`
    /// order, reading with a cursor so a month of data never sits in memory at once.
    public func forEachMessage(from: Int64, to: Int64, _ body: (StoredMessage) throws -> Void) throws(StoreError) {
        do {
            try pool.read { db in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT device_num, ts, 0 AS is_event, NULL AS code, data, id FROM readings WHERE ts >= ? AND ts <= ?
                    UNION ALL
                    SELECT device_num, ts, 1, code, data, id FROM events WHERE source = 'device' AND ts >= ? AND ts <= ?
                    ORDER BY ts, is_event, id
                    """, arguments: [from, to, from, to])
                while let row = try rows.next() {
                    try body(StoredMessage(deviceNum: row["device_num"], ts: row["ts"], isEvent: row["is_event"] == 1,
                                           code: row["code"], data: row["data"]))
                }
            }
        } catch {
            throw StoreError(operation: "read messages for replay", error)
        }
    }

    /// A recorded alarm, for comparing a replay with what happened.
    public struct RecordedAlarm: Sendable {
        public let id: Int64
        public let device: String
        public let rule: String
        public let family: String
        public let severity: String
        public let firedAt: Int64
        public let resolvedAt: Int64?
    }

    /// Alarms that fired within `from...to`.
    public func recordedAlarms(from: Int64, to: Int64) throws(StoreError) -> [RecordedAlarm] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT a.id, d.id AS device, a.rule, a.family, a.severity, a.fired_at, a.resolved_at
                    FROM alarms a JOIN devices d ON d.num = a.device_num
                    WHERE a.fired_at IS NOT NULL AND a.fired_at >= ? AND a.fired_at <= ? ORDER BY a.fired_at
                    """, arguments: [from, to]).map {
                    RecordedAlarm(id: $0["id"], device: $0["device"], rule: $0["rule"], family: $0["family"],
                                  severity: $0["severity"], firedAt: $0["fired_at"], resolvedAt: $0["resolved_at"])
                }
            }
        } catch {
            throw StoreError(operation: "read recorded alarms", error)
        }
    }
}
