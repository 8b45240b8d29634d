import Domain
import Records
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore {
    /// Writes a batch in one transaction.
    ///
    /// The hot path binds values with the SQLite C API on GRDB's cached statements: GRDB keeps
    /// statement caching, transactions and error handling, and the per-row cost stays that of raw
    /// `bind/step/reset` (measured in docs/design.md: `equipwatch bench --store`).
    public func commit(_ batch: CommitBatch) throws(StoreError) {
        do {
            try pool.write { db in try Self.insert(batch, db) }
        } catch {
            throw StoreError(operation: "commit of \(batch.rowCount) rows", error)
        }
    }

    static func insert(_ batch: CommitBatch, _ db: Database) throws {
        if !batch.messages.isEmpty {
            try insertReadings(batch.messages, db)
            let event = try db.cachedStatement(sql: "INSERT INTO events(device_num, ts, code, source, seq, received_at, data) VALUES (?,?,?,'device',?,?,?)")
            for m in batch.messages where m.kind == .event {
                let s = event.sqliteStatement
                sqlite3_bind_int64(s, 1, m.deviceNum)
                sqlite3_bind_int64(s, 2, m.ts)
                bind(s, 3, m.code ?? "")
                bind(s, 4, m.seq.map { Int64(bitPattern: $0) })
                sqlite3_bind_int64(s, 5, m.receivedAt)
                try withText(s, 6, m.data) { try step(s, db) }
            }
        }
        try insertDerived(batch.events, db)
        for d in batch.deadLetters {
            try db.execute(
                sql: """
                    INSERT INTO dead_letters(received_at, reason, detail, topic, gateway, device, payload, payload_size, payload_sha256)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    """,
                arguments: [d.receivedAt, d.reason.rawValue, d.detail, d.topic, d.gateway, d.device, Data(d.payload), d.payloadSize,
                            d.payloadSHA256])
        }
        for (g, receivedAt) in batch.gatewayStatuses {
            try db.execute(sql: "INSERT INTO gateway_status(gateway, online, at, received_at) VALUES (?,?,?,?)",
                           arguments: [g.gateway, g.online, g.at, receivedAt])
            try db.execute(sql: "UPDATE gateways SET online = ?, status_at = ? WHERE id = ? AND (status_at IS NULL OR status_at <= ?)",
                           arguments: [g.online, g.at, g.gateway, g.at])
        }
        try insertRuleResults(batch, db)
        try insertPlannerResults(batch, db)
        try upsertDeviceStates(batch.deviceStates, db)
    }

    /// Every device a commit touched has its state written (sequence window, counters, newest
    /// data): once per device per commit, a fixed cost of every commit, so bound with the C API
    /// like the readings.
    static func upsertDeviceStates(_ states: [Int64: DeviceStateUpdate], _ db: Database) throws {
        guard !states.isEmpty else { return }
        let s = try db.cachedStatement(sql: """
            INSERT INTO device_state(device_num, seq_highest, seq_seen, last_ts, last_received_at, last_data, messages, duplicates)
            VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT(device_num) DO UPDATE SET
                seq_highest = excluded.seq_highest, seq_seen = excluded.seq_seen,
                last_ts = excluded.last_ts, last_received_at = excluded.last_received_at,
                last_data = COALESCE(excluded.last_data, last_data),
                messages = excluded.messages, duplicates = excluded.duplicates
            """).sqliteStatement
        for (num, u) in states {
            sqlite3_bind_int64(s, 1, num)
            bind(s, 2, u.sequence.map { Int64(bitPattern: $0.highest) })
            bind(s, 3, u.sequence.map { Int64(bitPattern: $0.seen) })
            bind(s, 4, u.lastTs)
            bind(s, 5, u.lastReceivedAt)
            sqlite3_bind_int64(s, 7, u.messages)
            sqlite3_bind_int64(s, 8, u.duplicates)
            if let data = u.lastData {
                try withText(s, 6, data) { try step(s, db) }
            } else {
                sqlite3_bind_null(s, 6)
                try step(s, db)
            }
        }
    }

    /// Inserts the telemetry of `messages`, one row per device (`ReadingRows`): a row's cost is
    /// mostly its index entry, so the readings of a device that arrived together (a gateway
    /// batch; a backlog) cost about one. Rows go one statement step each: a multi-row `VALUES`
    /// statement (32 rows per step) halves SQLite's own mallocs per row, but was measured slower
    /// (164–178 k against 244–287 k rows/s, `equipwatch bench`).
    ///
    /// Ids are assigned here, from the table's highest: a row of n readings takes the next n ids
    /// and is stored under the last, so every reading has an id of its own.
    static func insertReadings(_ messages: [AcceptedMessage], _ db: Database) throws {
        guard messages.contains(where: { $0.kind == .telemetry }) else { return }
        var next = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM readings") ?? 0) + 1
        let single = try db.cachedStatement(sql: "INSERT INTO readings(id, device_num, ts, seq, received_at, data) VALUES (?,?,?,?,?,?)").sqliteStatement
        let grouped = try db.cachedStatement(sql: """
            INSERT INTO readings(id, device_num, ts, seq, received_at, data, ts_first, elements) VALUES (?,?,?,NULL,?,?,?,?)
            """).sqliteStatement
        // Scratch for the whole commit, sized up front: one allocation each, not one per doubling.
        var order: [Int] = []
        order.reserveCapacity(messages.count)
        var text: [UInt8] = []
        text.reserveCapacity(16_384)
        try ReadingRows.rows(messages, order: &order) { row in
            let m = messages[row.positions.first!]
            if row.positions.count == 1 {
                sqlite3_bind_int64(single, 1, next)
                sqlite3_bind_int64(single, 2, m.deviceNum)
                sqlite3_bind_int64(single, 3, m.ts)
                bind(single, 4, m.seq.map { Int64(bitPattern: $0) })
                sqlite3_bind_int64(single, 5, m.receivedAt)
                try withText(single, 6, m.data) { try step(single, db) }
                next += 1
                return
            }
            ReadingRows.encode(messages, row.positions, into: &text)
            let n = Int64(row.positions.count)
            sqlite3_bind_int64(grouped, 1, next + n - 1)
            sqlite3_bind_int64(grouped, 2, m.deviceNum)
            sqlite3_bind_int64(grouped, 3, row.last)
            sqlite3_bind_int64(grouped, 4, m.receivedAt)
            sqlite3_bind_int64(grouped, 6, row.first)
            sqlite3_bind_int64(grouped, 7, n)
            try text.withUnsafeBufferPointer { utf8 in
                defer { sqlite3_bind_null(grouped, 5) }
                bindUTF8(grouped, 5, utf8, nil)
                try step(grouped, db)
            }
            next += n
        }
    }

    /// Events the pipeline derived (source `pipeline`): sequence checks, bands, rules, planner, risk.
    static func insertDerived(_ events: [DerivedEvent], _ db: Database) throws {
        guard !events.isEmpty else { return }
        let s = try db.cachedStatement(sql: "INSERT INTO events(device_num, ts, code, source, seq, received_at, data) VALUES (?,?,?,'pipeline',NULL,?,?)").sqliteStatement
        for e in events {
            sqlite3_bind_int64(s, 1, e.deviceNum)
            sqlite3_bind_int64(s, 2, e.ts)
            bind(s, 3, e.code.rawValue)
            sqlite3_bind_int64(s, 4, e.receivedAt)
            try withText(s, 5, e.data) { try step(s, db) }
        }
    }

    /// SQLite copies the bytes (SQLITE_TRANSIENT), so the Swift string may go away after binding.
    @inline(__always)
    static func bind(_ s: OpaquePointer, _ i: Int32, _ text: String) {
        var t = text
        t.withUTF8 { bindUTF8(s, i, $0, sqliteTransient) }
    }

    /// Binds `text` without copying it (`SQLITE_STATIC`) for the duration of `body`, which steps
    /// the statement; the parameter is bound to NULL again before the string may go away.
    /// Saves SQLite a `malloc` and a copy per row on the hot path.
    @inline(__always)
    static func withText(_ s: OpaquePointer, _ i: Int32, _ text: JSONBytes, _ body: () throws -> Void) throws {
        try text.withUnsafeBytes { utf8 in
            defer { sqlite3_bind_null(s, i) }
            bindUTF8(s, i, utf8, nil)
            try body()
        }
    }

    /// `withText` for a `String`.
    @inline(__always)
    static func withText(_ s: OpaquePointer, _ i: Int32, _ text: String, _ body: () throws -> Void) throws {
        var t = text
        try t.withUTF8 { utf8 in
            defer { sqlite3_bind_null(s, i) }
            bindUTF8(s, i, utf8, nil)
            try body()
        }
    }

    /// A NULL pointer would bind SQL NULL, so the empty string gets a static "".
    @inline(__always)
    static func bindUTF8(_ s: OpaquePointer, _ i: Int32, _ utf8: UnsafeBufferPointer<UInt8>, _ destructor: sqlite3_destructor_type?) {
        utf8.withMemoryRebound(to: CChar.self) { buf in
            if let base = buf.baseAddress, buf.count > 0 {
                _ = sqlite3_bind_text(s, i, base, Int32(buf.count), destructor)
            } else {
                _ = sqlite3_bind_text(s, i, "", 0, nil)
            }
        }
    }

    @inline(__always)
    static func bind(_ s: OpaquePointer, _ i: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(s, i, value) } else { sqlite3_bind_null(s, i) }
    }

    @inline(__always)
    static func step(_ s: OpaquePointer, _ db: Database) throws {
        let rc = sqlite3_step(s)
        sqlite3_reset(s)
        guard rc == SQLITE_DONE else {
            let connection = db.sqliteConnection
            throw StoreError.sqlite(operation: "insert", code: rc & 0xff, extendedCode: sqlite3_extended_errcode(connection),
                                    message: String(cString: sqlite3_errmsg(connection)))
        }
    }
}

/// `SQLITE_TRANSIENT` is a C macro Swift cannot import.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension SQLiteStore {
    /// Whether this very message (device, kind, `ts`, `seq`, and for events the code) is stored:
    /// how a redelivery is told from a late message. Uses the `(device_num, ts)` indexes.
    public func contains(_ m: AcceptedMessage) throws(StoreError) -> Bool {
        let seq = m.seq.map { Int64(bitPattern: $0) }
        do {
            return try pool.read { db in
                switch m.kind {
                case .telemetry:
                    if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM readings WHERE device_num = ? AND ts = ? AND seq IS ? AND elements IS NULL)",
                                         arguments: [m.deviceNum, m.ts, seq]) ?? false { return true }
                    // Rows of several readings that may hold it (ReadingRows).
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT id, ts, data, elements FROM readings
                        WHERE device_num = ? AND ts BETWEEN ? AND ? AND elements IS NOT NULL AND ts_first <= ?
                        """, arguments: [m.deviceNum, m.ts, m.ts + ReadingRows.maxSpanMs, m.ts])
                    return rows.contains { row in
                        ReadingRows.readings(id: row["id"], ts: row["ts"], seq: nil, receivedAt: 0, elements: row["elements"], data: row["data"])?
                            .contains { $0.ts == m.ts && $0.seq == seq } ?? false
                    }
                case .event:
                    return try Bool.fetchOne(db, sql: """
                        SELECT EXISTS(SELECT 1 FROM events WHERE device_num = ? AND ts = ? AND seq IS ? AND code = ? AND source = 'device')
                        """, arguments: [m.deviceNum, m.ts, seq, m.code ?? ""]) ?? false
                }
            }
        } catch {
            throw StoreError(operation: "look up a message", error)
        }
    }
}

extension SQLiteStore {
    /// Commits `batch`; when SQLite refuses it for a permanent reason (a constraint, a malformed
    /// row), finds the refused rows by committing halves, commits everything else, and returns
    /// the refused rows, each as a one-row batch with the error (SPEC §8: a permanent failure
    /// quarantines the offending rows and never stops ingest). Transient failures (busy, locked,
    /// I/O, disk full) and a damaged database file (corrupt, not a database) are thrown: they are
    /// the store's failures, not a row's, and the caller retries the whole batch.
    ///
    /// Once part of the batch is committed, a transient failure of another part cannot be thrown
    /// (the caller would retry the whole batch and write that part twice): `whileTransient` is
    /// called with the error (the caller logs and waits) and the same part is tried again.
    public func commitSalvaging(_ batch: CommitBatch, whileTransient: (StoreError) -> Void) throws(StoreError) -> [(row: CommitBatch, error: StoreError)] {
        try CommitSalvage.commit(batch, whileTransient: whileTransient) { part throws(StoreError) in try commit(part) }
    }
}
