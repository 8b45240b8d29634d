import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// Writes what the maintenance planner decided (its events go with the other derived events),
    /// in the commit's transaction. A notice is
    /// inserted at most once per key, and not at all when a maintenance record newer than the
    /// planner knew of exists (the work was reported meanwhile); only an inserted notice gets
    /// its outbox message, so the firm hears of it exactly once. A notice that raises a major
    /// hazard sets the device's must-not-use status in the same transaction (`batch.settle`).
    static func insertPlannerResults(_ batch: CommitBatch, _ db: Database) throws {
        for n in batch.notices {
            guard try insertNotice(n, message: batch.noticeMessage, db) != nil, n.hazard != nil, let settle = batch.settle else { continue }
            _ = try settleCompliance(deviceNum: n.deviceNum, settle, at: n.createdAt, db)
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (record, baseline) in batch.applied {
            try db.execute(sql: "UPDATE maintenance_records SET applied_at = ?, baseline = ? WHERE id = ? AND applied_at IS NULL",
                           arguments: [now, baseline, record])
        }
        if !batch.plannerStates.isEmpty {
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO maintenance_state(device_num, state, updated_at) VALUES (?,?,?)
                ON CONFLICT(device_num) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                """)
            for (num, state) in batch.plannerStates { try upsert.execute(arguments: [num, state, now]) }
        }
    }

    /// Inserts a notice and the outbox message `message` builds for it; returns its id, or nil
    /// when it already existed or was made stale by a newer maintenance record.
    static func insertNotice(_ n: NoticeDraft, message: NoticeMessage?, _ db: Database) throws -> Int64? {
        try db.execute(sql: """
            INSERT INTO notices(key, device_num, firm, type, kind, trigger, reason, reason_zh, reason_code, reason_parameters,
                                due_by, created_at, status, detail)
            SELECT ?,?,?,?,?,?,?,?,?,?,?,?,'open',?
            WHERE NOT EXISTS (SELECT 1 FROM maintenance_records WHERE device_num = ? AND id > ?)
            ON CONFLICT(key) DO NOTHING
            """, arguments: [n.key, n.deviceNum, n.firm, n.type, n.kind.rawValue, n.trigger, n.reason.en, n.reason.zh,
                             n.reason.code.rawValue, n.reason.parametersJSON, n.dueBy, n.createdAt,
                             n.detail, n.deviceNum, n.staleAfterRecord ?? Int64.max])
        guard db.changesCount == 1 else { return nil }
        let id = db.lastInsertedRowID
        if let r = n.rescue {
            // An alarm resolved in the same commit is already resolved here.
            try db.execute(sql: """
                INSERT OR IGNORE INTO rescues(alarm_id, device_num, firm, fired_at, deadline_at, within_ms, notice_id, resolved_at)
                VALUES (?,?,?,?,?,?,?, (SELECT resolved_at FROM alarms WHERE id = ? AND state = 'resolved'))
                """, arguments: [r.alarmId, n.deviceNum, n.firm, r.firedAt, r.deadlineAt, r.withinMs, id, r.alarmId])
        }
        if let h = n.hazard {
            try db.execute(sql: "INSERT OR IGNORE INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?,?,?,?)",
                           arguments: [n.deviceNum, h.rule, h.alarmId, h.raisedAt])
        }
        if let message {
            let m = message(id, n)
            try insertOutbox(m, at: n.createdAt, db)
            try insertChange(.notice, deviceNum: n.deviceNum, at: n.createdAt, payload: m.payload, db)
        }
        return id
    }

    // MARK: Completions

    /// Records a completed maintenance in one transaction: `check` sees the device's firm (nil:
    /// no such device) and refuses by throwing; otherwise the record is kept and the device's
    /// open notices of the `closing` kinds are closed. The running planner picks the record up
    /// within a tick and begins a new cycle from it.
    /// `answer` builds the outbox message that tells the firm (written in the same transaction).
    public func insertMaintenance(_ c: Completion, closing kinds: [NoticeKind],
                                  check: (_ deviceFirm: String?) throws -> Void,
                                  answer: (CompletionResult) -> OutboxMessage?) throws -> CompletionResult {
        try pool.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT num, firm FROM devices WHERE id = ?", arguments: [c.device])
            try check(row?["firm"])
            guard let row else { throw StoreError.failed(operation: "record maintenance", reason: "no device \(c.device)") }
            let num: Int64 = row["num"]
            let items = try String(decoding: JSONEncoder().encode(c.items), as: UTF8.self)
            let tiers = try String(decoding: JSONEncoder().encode(c.tiers.map(\.rawValue)), as: UTF8.self)
            try db.execute(sql: "INSERT INTO maintenance_records(device_num, firm, done_at, items, source, reported_at, tiers, worker_cert) VALUES (?,?,?,?,?,?,?,?)",
                           arguments: [num, c.firm, c.doneAt, items, c.source.rawValue, c.reportedAt, tiers, c.workerCert])
            let id = db.lastInsertedRowID
            let placeholders = Array(repeating: "?", count: kinds.count).joined(separator: ",")
            var arguments: StatementArguments = [c.reportedAt, id, num]
            arguments += StatementArguments(kinds.map(\.rawValue))
            arguments += [tiers]
            // A tier's notices (trigger `tier:{name}`) close only when the work covered that tier.
            try db.execute(sql: """
                UPDATE notices SET status = 'closed', closed_at = ?, closed_by_record = ?
                WHERE device_num = ? AND status != 'closed' AND kind IN (\(placeholders))
                  AND (trigger NOT LIKE 'tier:%' OR substr(trigger, 6) IN (SELECT value FROM json_each(?)))
                """, arguments: arguments)
            let closed = db.changesCount
            // A maintenance record does not lift a major hazard: only its closure does
            // (`addHazardStep`), after the firm's rectification and the owner's confirmation.
            let result = CompletionResult(record: id, deviceNum: num, closedNotices: closed)
            if let message = answer(result) { try Self.insertOutbox(message, at: c.reportedAt, db) }
            return result
        }
    }

    /// Records the planner has not applied yet, oldest first.
    public func unappliedMaintenance(after id: Int64, limit: Int = 1000) throws(StoreError) -> [MaintenanceRecord] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, device_num, firm, done_at, tiers FROM maintenance_records WHERE applied_at IS NULL AND id > ? ORDER BY id LIMIT ?
                    """, arguments: [id, limit]).map { row in
                    let tiers = (row["tiers"] as String?).flatMap { try? JSONDecoder().decode([MaintenanceTier].self, from: Data($0.utf8)) } ?? []
                    return MaintenanceRecord(id: row["id"], deviceNum: row["device_num"], firm: row["firm"], doneAt: row["done_at"], tiers: tiers)
                }
            }
        } catch {
            throw StoreError(operation: "read maintenance records", error)
        }
    }

    /// The planner's persisted per-device state, as the JSON text it wrote.
    public func planStateRows() throws(StoreError) -> [Int64: String] {
        do {
            return try pool.read { db in
                var out: [Int64: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT device_num, state FROM maintenance_state") { out[row["device_num"]] = row["state"] }
                return out
            }
        } catch {
            throw StoreError(operation: "load maintenance state", error)
        }
    }

    /// Acknowledges a notice for `firm` (nil: a supervisor). A notice of another firm is
    /// reported as not found, so a firm never learns that it exists.
    public func acknowledge(notice id: Int64, firm: String?, by who: String, at: Int64) throws(StoreError) -> AckResult {
        do {
            return try pool.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT firm, status, acked_by, acked_at FROM notices WHERE id = ?", arguments: [id]),
                      firm == nil || firm == row["firm"] else { return .notFound }
                if let by: String = row["acked_by"] { return .alreadyAcknowledged(by: by, at: row["acked_at"]) }
                try db.execute(sql: """
                    UPDATE notices SET acked_by = ?, acked_at = ?, status = CASE WHEN status = 'open' THEN 'acked' ELSE status END WHERE id = ?
                    """, arguments: [who, at, id])
                return .acknowledged
            }
        } catch {
            throw StoreError(operation: "acknowledge notice \(id)", error)
        }
    }
}


