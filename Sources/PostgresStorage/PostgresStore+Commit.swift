import Domain
import Records
import Foundation

extension PostgresStore {
    /// Writes a batch in one transaction: readings and events as multi-row INSERTs, the rest
    /// row by row (they are few), then the per-device state.
    public func commit(_ batch: CommitBatch) throws(StoreError) {
        try ensurePartitions(for: batch.messages)
        try write("commit of \(batch.rowCount) rows") { s in
            if let fence { try Self.check(fence, s) }
            try Self.insert(batch, s)
        }
    }

    static func insert(_ batch: CommitBatch, _ s: SQLSession) throws(StoreError) {
        if !batch.messages.isEmpty {
            try insertReadings(batch.messages, s)
            var events: [[any SQLBindable]] = []
            for m in batch.messages where m.kind == .event {
                events.append([m.deviceNum, m.ts, m.code ?? "", "device", m.seq.map { Int64(bitPattern: $0) }, m.receivedAt, m.data.string])
            }
            try insertRows("events(device_num, ts, code, source, seq, received_at, data)", events, s)
        }
        try insertDerived(batch.events, s)
        try insertRows("dead_letters(received_at, reason, detail, topic, gateway, device, payload, payload_size, payload_sha256)",
                       batch.deadLetters.map { d in
                           [d.receivedAt, d.reason, d.detail, d.topic, d.gateway, d.device, Array(d.payload), d.payloadSize, d.payloadSHA256]
                       }, s)
        for (g, receivedAt) in batch.gatewayStatuses {
            try s.execute("INSERT INTO gateway_status(gateway, online, at, received_at) VALUES (?,?,?,?)", [g.gateway, g.online, g.at, receivedAt])
            try s.execute("UPDATE gateways SET online = ?, status_at = ? WHERE id = ? AND (status_at IS NULL OR status_at <= ?)",
                          [g.online, g.at, g.gateway, g.at])
        }
        try insertRuleResults(batch, s)
        try insertPlannerResults(batch, s)
        try upsertDeviceStates(batch.deviceStates, s)
    }

    /// Inserts `rows` (each the values of `columns`, in order) with as few statements as the
    /// parameter limit allows.
    static func insertRows(_ table: String, _ rows: [[any SQLBindable]], suffix: String = "", _ s: SQLSession) throws(StoreError) {
        try s.eachSlice(rows) { "INSERT INTO \(table) VALUES \($0) \(suffix)" }
    }

    /// Every device a commit touched has its state written: an UPDATE from the rows' values for
    /// the devices that have a state row (all of them but the first time), then an INSERT for
    /// the rest. Measured against one `INSERT … ON CONFLICT DO UPDATE` of the same rows.
    static func upsertDeviceStates(_ states: [Int64: DeviceStateUpdate], _ s: SQLSession) throws(StoreError) {
        guard !states.isEmpty else { return }
        let rows: [[any SQLBindable]] = states.sorted { $0.key < $1.key }.map { num, u in
            [num, u.sequence.map { Int64(bitPattern: $0.highest) }, u.sequence.map { Int64(bitPattern: $0.seen) }, u.lastTs,
             u.lastReceivedAt, u.lastData?.string, u.messages, u.duplicates]
        }
        var updated = Set<Int64>()
        for row in try s.eachSlice(rows, types: [.bigint, .bigint, .bigint, .bigint, .bigint, .text, .bigint, .bigint], { values in """
            UPDATE device_state d SET seq_highest = v.seq_highest, seq_seen = v.seq_seen, last_ts = v.last_ts,
                last_received_at = v.last_received_at, last_data = COALESCE(v.last_data, d.last_data),
                messages = v.messages, duplicates = v.duplicates
            FROM (VALUES \(values)) AS v(device_num, seq_highest, seq_seen, last_ts, last_received_at, last_data, messages, duplicates)
            WHERE d.device_num = v.device_num RETURNING d.device_num
            """ }) {
            if let n = row.int("device_num") { updated.insert(n) }
        }
        let fresh = rows.filter { !updated.contains(($0[0] as? Int64) ?? -1) }
        try insertRows("device_state(device_num, seq_highest, seq_seen, last_ts, last_received_at, last_data, messages, duplicates)", fresh, suffix: """
            ON CONFLICT(device_num) DO UPDATE SET
                seq_highest = excluded.seq_highest, seq_seen = excluded.seq_seen,
                last_ts = excluded.last_ts, last_received_at = excluded.last_received_at,
                last_data = COALESCE(excluded.last_data, device_state.last_data),
                messages = excluded.messages, duplicates = excluded.duplicates
            """, s)
    }

    /// Inserts the telemetry of `messages`, one row per device as on SQLite (`ReadingRows`).
    /// Ids come from the `readings_id` sequence, a contiguous range per commit taken under a
    /// transaction-scoped advisory lock, so a row of n readings holds n ids of its own.
    static func insertReadings(_ messages: [AcceptedMessage], _ s: SQLSession) throws(StoreError) {
        let telemetry = messages.reduce(0) { $0 + ($1.kind == .telemetry ? 1 : 0) }
        guard telemetry > 0 else { return }
        // One round trip: the lock first (the CTE is read before the sequence moves), then the
        // range's last id; a concurrent writer waits for this transaction's lock.
        guard let last = try s.int("""
            WITH locked AS (SELECT pg_advisory_xact_lock(72616864))
            SELECT setval('readings_id', nextval('readings_id') + ? - 1) FROM locked
            """, [Int64(telemetry)]) else {
            throw .failed(operation: "number readings", reason: "the readings_id sequence gave nothing")
        }
        var next = last - Int64(telemetry) + 1
        var rows: [[any SQLBindable]] = []
        rows.reserveCapacity(telemetry)
        var order: [Int] = []
        order.reserveCapacity(messages.count)
        var text: [UInt8] = []
        ReadingRows.rows(messages, order: &order) { row in
            let m = messages[row.positions.first!]
            if row.positions.count == 1 {
                rows.append([next, m.deviceNum, m.ts, m.seq.map { Int64(bitPattern: $0) }, m.receivedAt, m.data.string, Int64?.none, Int64?.none])
                next += 1
                return
            }
            ReadingRows.encode(messages, row.positions, into: &text)
            let n = Int64(row.positions.count)
            rows.append([next + n - 1, m.deviceNum, row.last, Int64?.none, m.receivedAt, String(decoding: text, as: UTF8.self), row.first, n])
            next += n
        }
        try insertRows("readings(id, device_num, ts, seq, received_at, data, ts_first, elements)", rows, s)
    }

    /// Events the pipeline derived (source `pipeline`).
    static func insertDerived(_ events: [DerivedEvent], _ s: SQLSession) throws(StoreError) {
        let rows: [[any SQLBindable]] = events.map { [$0.deviceNum, $0.ts, $0.code.rawValue, "pipeline", Int64?.none, $0.receivedAt, $0.data] }
        try insertRows("events(device_num, ts, code, source, seq, received_at, data)", rows, s)
    }

    /// Whether this very message is stored: how a redelivery is told from a late message.
    public func contains(_ m: AcceptedMessage) throws(StoreError) -> Bool {
        let seq = m.seq.map { Int64(bitPattern: $0) }
        return try read("look up a message") { s in
            switch m.kind {
            case .telemetry:
                if try s.int("""
                    SELECT 1 FROM readings WHERE device_num = ? AND ts = ? AND seq IS NOT DISTINCT FROM ? AND elements IS NULL LIMIT 1
                    """, [m.deviceNum, m.ts, seq]) != nil { return true }
                let rows = try s.rows("""
                    SELECT id, ts, data, elements FROM readings
                    WHERE device_num = ? AND ts BETWEEN ? AND ? AND elements IS NOT NULL AND ts_first <= ?
                    """, [m.deviceNum, m.ts, m.ts + ReadingRows.maxSpanMs, m.ts])
                return rows.contains { row in
                    ReadingRows.readings(id: row.int("id") ?? 0, ts: row.int("ts") ?? 0, seq: nil, receivedAt: 0, elements: row.int("elements"),
                                         data: row.text("data") ?? "")?.contains { $0.ts == m.ts && $0.seq == seq } ?? false
                }
            case .event:
                return try s.int("""
                    SELECT 1 FROM events WHERE device_num = ? AND ts = ? AND seq IS NOT DISTINCT FROM ? AND code = ? AND source = 'device' LIMIT 1
                    """, [m.deviceNum, m.ts, seq, m.code ?? ""]) != nil
            }
        }
    }

    /// Commits `batch`; a batch PostgreSQL refuses for a permanent reason (a constraint, a value
    /// it cannot take) is split in halves until the refused rows are alone, and returned with
    /// their errors; everything else is committed. Transient failures (the connection lost, the
    /// server restarting or out of space) and damage are thrown, as on SQLite.
    public func commitSalvaging(_ batch: CommitBatch, whileTransient: (StoreError) -> Void) throws(StoreError) -> [(row: CommitBatch, error: StoreError)] {
        try CommitSalvage.commit(batch, whileTransient: whileTransient) { part throws(StoreError) in try commit(part) }
    }
}
