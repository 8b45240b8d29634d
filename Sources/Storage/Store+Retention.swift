import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// Devices with raw readings taken before `cutoff`, the ones pruning has work for.
    /// Deletes up to `limit` dead letters received before `cutoff`, oldest first; returns how many.
    public func pruneDeadLetters(before cutoff: Int64, limit: Int) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                try db.execute(sql: """
                    DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE received_at < ? ORDER BY received_at LIMIT ?)
                    """, arguments: [cutoff, limit])
                return db.changesCount
            }
        } catch {
            throw StoreError(operation: "prune dead letters", error)
        }
    }

    /// The devices with readings older than `cutoff`: what a retention pass visits.
    public func devicesWithReadings(before cutoff: Int64) throws(StoreError) -> [Int64] {
        do {
            return try pool.read { db in
                try Int64.fetchAll(db, sql: """
                    SELECT num FROM devices d
                    WHERE EXISTS (SELECT 1 FROM readings r WHERE r.device_num = d.num AND r.ts < ?)
                    ORDER BY num
                    """, arguments: [cutoff])
            }
        } catch {
            throw StoreError(operation: "find readings to prune", error)
        }
    }

    /// One small transaction: the device's oldest raw readings before `cutoff` (at most
    /// `policy.chunk`) are added to their hourly aggregates (count, min, max, sum, last per
    /// numeric field), copied to `incident_evidence` when they lie in an incident's window, and
    /// deleted. Aggregates merge, so the steps can run in any number of transactions.
    public func pruneReadings(device num: Int64, before cutoff: Int64, policy: RetentionPolicy) throws(StoreError) -> PruneResult {
        do {
            return try pool.write { db in
                var result = PruneResult()
                // A row of several readings goes once all of them are past the cutoff: its `ts` is
                // its latest (ReadingRows).
                let rows = try Row.fetchAll(db, sql: """
                    SELECT id, ts, seq, received_at, data, elements FROM readings
                    WHERE device_num = ? AND ts < ? ORDER BY ts, id LIMIT ?
                    """, arguments: [num, cutoff, policy.chunk])
                guard let first = rows.first, let last = rows.last else { return result }
                // Every reading of these rows lies in [first's ts - maxSpanMs, last's ts].
                let firstTs: Int64 = first["ts"] - ReadingRows.maxSpanMs, lastTs: Int64 = last["ts"]
                let incidents = try Row.fetchAll(db, sql: """
                    SELECT id, opened_at FROM incidents WHERE device_num = ? AND opened_at BETWEEN ? AND ?
                    """, arguments: [num, firstTs - policy.evidenceAfterMs, lastTs + policy.evidenceBeforeMs])
                    .map { (id: $0["id"] as Int64, from: ($0["opened_at"] as Int64) - policy.evidenceBeforeMs,
                            to: ($0["opened_at"] as Int64) + policy.evidenceAfterMs) }
                var aggregates = HourlyAggregates()
                let keep = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO incident_evidence(incident_id, reading_id, device_num, ts, seq, received_at, data)
                    VALUES (?,?,?,?,?,?,?)
                    """)
                let delete = try db.cachedStatement(sql: "DELETE FROM readings WHERE id = ?")
                for row in rows {
                    let id: Int64 = row["id"], elements: Int64? = row["elements"]
                    defer { result.pruned += Int(elements ?? 1) }
                    try delete.execute(arguments: [id])
                    guard let readings = ReadingRows.readings(id: id, ts: row["ts"], seq: row["seq"], receivedAt: row["received_at"],
                                                              elements: elements, data: row["data"]) else {
                        result.unreadable += Int(elements ?? 1)
                        continue
                    }
                    for r in readings {
                        if let value = try? JSONReader.parse(Array(r.data.utf8)), case .object(let members) = value {
                            for m in members {
                                guard let v = m.value.number else { continue }
                                aggregates.add(v, field: m.key, at: r.ts)
                            }
                        } else {
                            result.unreadable += 1
                        }
                        for i in incidents where r.ts >= i.from && r.ts <= i.to {
                            try keep.execute(arguments: [i.id, r.id, num, r.ts, r.seq, r.receivedAt, r.data])
                            result.evidence += 1
                        }
                    }
                }
                let merge = try db.cachedStatement(sql: """
                    INSERT INTO reading_aggregates(device_num, hour, field, count, min, max, sum, last, last_ts)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(device_num, hour, field) DO UPDATE SET
                        count = count + excluded.count, min = MIN(min, excluded.min), max = MAX(max, excluded.max),
                        sum = sum + excluded.sum,
                        last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
                        last_ts = MAX(last_ts, excluded.last_ts)
                    """)
                for (key, a) in aggregates.byHour {
                    try merge.execute(arguments: [num, key.hour, key.field, a.count, a.min, a.max, a.sum, a.last, a.lastTs])
                }
                return result
            }
        } catch {
            throw StoreError(operation: "prune readings of device \(num)", error)
        }
    }

    /// One table, no partitions: nothing to drop (pruning deletes rows; the space is reused).
    public func dropEmptyPartitions(before cutoff: Int64) throws(StoreError) -> Int { 0 }

    /// Rows, bytes (where SQLite's `dbstat` is available) and the time span of every table.
    public func tableStats() throws(StoreError) -> [TableStatItem] {
        do {
            return try pool.read { db in
                var bytes: [String: Int64] = [:]
                // `dbstat` is compiled into most SQLite builds, not all: sizes are then unknown.
                if let rows = try? Row.fetchAll(db, sql: """
                    SELECT m.tbl_name AS name, SUM(d.pgsize) AS size FROM dbstat d JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name
                    """) {
                    for r in rows { bytes[r["name"]] = r["size"] }
                }
                return try Self.timeColumns.map { table, column in
                    // Readings are counted one by one, not by row (a row may hold several: ReadingRows).
                    let row = try Row.fetchOne(db, sql: table == "readings"
                        ? "SELECT COUNT(*) + COALESCE(SUM(elements - 1), 0) AS n, MIN(COALESCE(ts_first, ts)) AS oldest, MAX(ts) AS newest FROM readings"
                        : "SELECT COUNT(*) AS n, MIN(\(column)) AS oldest, MAX(\(column)) AS newest FROM \(table)")
                    return TableStatItem(table: table, rows: row?["n"] ?? 0, bytes: bytes[table],
                                         oldest: (row?["oldest"] as Int64?).map { Instant(millis: $0) },
                                         newest: (row?["newest"] as Int64?).map { Instant(millis: $0) })
                }
            }
        } catch {
            throw StoreError(operation: "table statistics", error)
        }
    }

    /// The tables `store stats` reports, with the column that says when each row happened.
    static let timeColumns: [(String, String)] = [
        ("readings", "ts"), ("reading_aggregates", "hour"), ("incident_evidence", "ts"), ("events", "ts"),
        ("dead_letters", "received_at"), ("alarms", "started_at"), ("incidents", "opened_at"), ("incident_timeline", "at"),
        ("notices", "created_at"), ("maintenance_records", "done_at"), ("risk_grades", "at"), ("gateway_status", "at"),
        ("outbox", "created_at"),
    ]
}
