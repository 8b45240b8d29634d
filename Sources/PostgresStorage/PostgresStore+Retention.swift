import Domain
import Records
import Foundation

extension PostgresStore {
    public func pruneDeadLetters(before cutoff: Int64, limit: Int) throws(StoreError) -> Int {
        try write("prune dead letters") { s in
            try s.execute("DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE received_at < ? ORDER BY received_at LIMIT ?)",
                          [cutoff, limit])
        }
    }

    public func devicesWithReadings(before cutoff: Int64) throws(StoreError) -> [Int64] {
        try query("find readings to prune") { s in
            try s.rows("SELECT num FROM devices d WHERE EXISTS (SELECT 1 FROM readings r WHERE r.device_num = d.num AND r.ts < ?) ORDER BY num",
                       [cutoff]).compactMap { $0.int("num") }
        }
    }

    /// As on SQLite: the device's oldest raw readings before `cutoff` are folded into hourly
    /// aggregates, kept as incident evidence when near an incident, and deleted, in one small
    /// transaction. Partitions a retention pass has emptied are dropped by `dropPartitions`.
    public func pruneReadings(device num: Int64, before cutoff: Int64, policy: RetentionPolicy) throws(StoreError) -> PruneResult {
        try write("prune readings of device \(num)") { s in
            var result = PruneResult()
            let rows = try s.rows("""
                SELECT id, ts, seq, received_at, data, elements FROM readings WHERE device_num = ? AND ts < ? ORDER BY ts, id LIMIT ?
                """, [num, cutoff, policy.chunk])
            guard let first = rows.first, let last = rows.last else { return result }
            let firstTs = (first.int("ts") ?? 0) - ReadingRows.maxSpanMs, lastTs = last.int("ts") ?? 0
            let incidents = try s.rows("SELECT id, opened_at FROM incidents WHERE device_num = ? AND opened_at BETWEEN ? AND ?",
                                       [num, firstTs - policy.evidenceAfterMs, lastTs + policy.evidenceBeforeMs]).map { row in
                (id: row.int("id") ?? 0, from: (row.int("opened_at") ?? 0) - policy.evidenceBeforeMs, to: (row.int("opened_at") ?? 0) + policy.evidenceAfterMs)
            }
            var aggregates = HourlyAggregates()
            var deleted: [Int64] = []
            var evidence: [[any SQLBindable]] = []
            for row in rows {
                let elements = row.int("elements")
                defer { result.pruned += Int(elements ?? 1) }
                deleted.append(row.int("id") ?? 0)
                guard let readings = Self.stored(row) else {
                    result.unreadable += Int(elements ?? 1)
                    continue
                }
                for r in readings {
                    if let value = try? JSONReader.parse(Array(r.data.utf8)), case .object(let members) = value {
                        for m in members { if let v = m.value.number { aggregates.add(v, field: m.key, at: r.ts) } }
                    } else {
                        result.unreadable += 1
                    }
                    for i in incidents where r.ts >= i.from && r.ts <= i.to {
                        evidence.append([i.id, r.id, num, r.ts, r.seq, r.receivedAt, r.data])
                        result.evidence += 1
                    }
                }
            }
            try Self.insertRows("incident_evidence(incident_id, reading_id, device_num, ts, seq, received_at, data)", evidence,
                                suffix: "ON CONFLICT DO NOTHING", s)
            try s.execute("DELETE FROM readings WHERE device_num = ? AND id IN (\(Array(repeating: "?", count: deleted.count).joined(separator: ",")))",
                          [num] + deleted)
            let merged: [[any SQLBindable]] = aggregates.byHour.map { key, a in
                [num, key.hour, key.field, a.count, a.min, a.max, a.sum, a.last, a.lastTs]
            }
            try Self.insertRows("reading_aggregates(device_num, hour, field, count, min, max, sum, last, last_ts)", merged, suffix: """
                ON CONFLICT(device_num, hour, field) DO UPDATE SET
                    count = reading_aggregates.count + excluded.count, min = LEAST(reading_aggregates.min, excluded.min),
                    max = GREATEST(reading_aggregates.max, excluded.max), sum = reading_aggregates.sum + excluded.sum,
                    last = CASE WHEN excluded.last_ts >= reading_aggregates.last_ts THEN excluded.last ELSE reading_aggregates.last END,
                    last_ts = GREATEST(reading_aggregates.last_ts, excluded.last_ts)
                """, s)
            return result
        }
    }

    /// Rows, bytes (`pg_total_relation_size`, partitions included) and time span of every table.
    public func tableStats() throws(StoreError) -> [TableStatItem] {
        try read("table statistics") { s in
            try Self.timeColumns.map { table, column throws(StoreError) in
                let row = try s.row(table == "readings"
                    ? "SELECT COUNT(*) + COALESCE(SUM(elements - 1), 0) AS n, MIN(COALESCE(ts_first, ts)) AS oldest, MAX(ts) AS newest FROM readings"
                    : "SELECT COUNT(*) AS n, MIN(\(column)) AS oldest, MAX(\(column)) AS newest FROM \(table)")
                let bytes = try s.int("""
                    SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
                    WHERE c.relname = ? OR c.oid IN (SELECT i.inhrelid FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ?)
                    """, [table, table])
                return TableStatItem(table: table, rows: row?.int("n") ?? 0, bytes: bytes,
                                     oldest: row?.int("oldest").map { Instant(millis: $0) }, newest: row?.int("newest").map { Instant(millis: $0) })
            }
        }
    }

    static let timeColumns: [(String, String)] = [
        ("readings", "ts"), ("reading_aggregates", "hour"), ("incident_evidence", "ts"), ("events", "ts"),
        ("dead_letters", "received_at"), ("alarms", "started_at"), ("incidents", "opened_at"), ("incident_timeline", "at"),
        ("notices", "created_at"), ("maintenance_records", "done_at"), ("risk_grades", "at"), ("gateway_status", "at"),
        ("outbox", "created_at"),
    ]

    // MARK: Replay

    /// Every stored reading and device event with `from <= ts <= to` in `(ts, kind, id)` order,
    /// read in pages by the index so a month never sits in memory (as on SQLite: rows of several
    /// readings wait in a heap until nothing still to come can be earlier).
    public func forEachMessage(from: Int64, to: Int64, _ body: (StoredMessage) throws -> Void) throws(StoreError) {
        let span = ReadingRows.maxSpanMs
        let rowsTo = to < Int64.max - span ? to + span : Int64.max
        do {
            try connections.read { s in
                var waiting = ReplayHeap()
                var after = (ts: from, kind: Int64(-1), id: Int64.min)
                while true {
                    let rows = try s.rows("""
                        SELECT * FROM (
                            SELECT device_num, ts, 0 AS is_event, NULL AS code, data, id, seq, elements FROM readings WHERE ts >= ? AND ts <= ?
                            UNION ALL
                            SELECT device_num, ts, 1, code, data, id, seq, NULL FROM events WHERE source = 'device' AND ts >= ? AND ts <= ?) m
                        WHERE (ts, is_event, id) > (?, ?, ?)
                        ORDER BY ts, is_event, id LIMIT 5000
                        """, [from, rowsTo, from, to, after.ts, after.kind, after.id])
                    for row in rows {
                        let ts = row.int("ts") ?? 0, isEvent = row.int("is_event") == 1, id = row.int("id") ?? 0
                        after = (ts, isEvent ? 1 : 0, id)
                        while let next = waiting.min, next.key.ts < ts - span { try body(waiting.removeMin().message) }
                        let deviceNum = row.int("device_num") ?? 0
                        if isEvent {
                            waiting.insert(ReplayHeap.Pending(key: .init(ts: ts, isEvent: true, id: id),
                                                              message: StoredMessage(deviceNum: deviceNum, ts: ts, isEvent: true, code: row.text("code"),
                                                                                     data: row.text("data") ?? "")))
                            continue
                        }
                        guard let readings = ReadingRows.readings(id: id, ts: ts, seq: row.int("seq"), receivedAt: 0, elements: row.int("elements"),
                                                                  data: row.text("data") ?? "") else { continue }
                        for r in readings where r.ts >= from && r.ts <= to {
                            waiting.insert(ReplayHeap.Pending(key: .init(ts: r.ts, isEvent: false, id: r.id),
                                                              message: StoredMessage(deviceNum: deviceNum, ts: r.ts, isEvent: false, code: nil, data: r.data)))
                        }
                    }
                    if rows.count < 5000 { break }
                }
                while waiting.min != nil { try body(waiting.removeMin().message) }
            }
        } catch {
            throw StoreError(postgres: error, operation: "read messages for replay").named("read messages for replay")
        }
    }

    public func recordedAlarms(from: Int64, to: Int64) throws(StoreError) -> [RecordedAlarm] {
        try query("read recorded alarms") { s in
            try s.rows("""
                SELECT a.id, d.id AS device, a.rule, a.family, a.severity, a.fired_at, a.resolved_at
                FROM alarms a JOIN devices d ON d.num = a.device_num
                WHERE a.fired_at IS NOT NULL AND a.fired_at >= ? AND a.fired_at <= ? ORDER BY a.fired_at
                """, [from, to]).map { row throws(StoreError) in
                RecordedAlarm(id: try row.int(required: "id"), device: try row.text(required: "device"), rule: try row.text(required: "rule"),
                              family: try row.text(required: "family"), severity: try row.text(required: "severity"),
                              firedAt: try row.int(required: "fired_at"), resolvedAt: row.int("resolved_at"))
            }
        }
    }
}
