import Domain
import Records
import GRDB

extension SQLiteStore {

    /// Calls `body` with every stored reading and device event with `from <= ts <= to`, in
    /// `(ts, kind, id)` order (readings before events at the same time), reading with a cursor so
    /// a month of data never sits in memory at once.
    ///
    /// Rows come in the order of their latest reading; a row of several readings holds readings
    /// up to `ReadingRows.maxSpanMs` earlier, so what is read waits in a heap until no row still
    /// to come can hold anything earlier: at most that span of messages is held back.
    public func forEachMessage(from: Int64, to: Int64, _ body: (StoredMessage) throws -> Void) throws(StoreError) {
        let span = ReadingRows.maxSpanMs
        let rowsTo = to < Int64.max - span ? to + span : Int64.max
        do {
            try pool.read { db in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT device_num, ts, 0 AS is_event, NULL AS code, data, id, seq, elements FROM readings WHERE ts >= ? AND ts <= ?
                    UNION ALL
                    SELECT device_num, ts, 1, code, data, id, seq, NULL FROM events WHERE source = 'device' AND ts >= ? AND ts <= ?
                    ORDER BY ts, is_event, id
                    """, arguments: [from, rowsTo, from, to])
                var waiting = ReplayHeap()
                while let row = try rows.next() {
                    let ts: Int64 = row["ts"], isEvent = row["is_event"] == 1, id: Int64 = row["id"]
                    let elements: Int64? = row["elements"]
                    // Nothing from this row on holds a message earlier than ts - span.
                    while let next = waiting.min, next.key.ts < ts - span { try body(waiting.removeMin().message) }
                    let deviceNum: Int64 = row["device_num"]
                    if isEvent {
                        waiting.insert(ReplayHeap.Pending(key: .init(ts: ts, isEvent: true, id: id),
                                               message: StoredMessage(deviceNum: deviceNum, ts: ts, isEvent: true, code: row["code"], data: row["data"])))
                        continue
                    }
                    // A row that no longer unpacks (hand-edited) is skipped, as a replay skips what it cannot read.
                    guard let readings = ReadingRows.readings(id: id, ts: ts, seq: row["seq"], receivedAt: 0, elements: elements, data: row["data"]) else { continue }
                    for r in readings where r.ts >= from && r.ts <= to {
                        waiting.insert(ReplayHeap.Pending(key: .init(ts: r.ts, isEvent: false, id: r.id),
                                               message: StoredMessage(deviceNum: deviceNum, ts: r.ts, isEvent: false, code: nil, data: r.data)))
                    }
                }
                while waiting.min != nil { try body(waiting.removeMin().message) }
            }
        } catch {
            throw StoreError(operation: "read messages for replay", error)
        }
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
