import Domain
import Records
import GRDB

extension SQLiteStore {
    /// Reads the device `num` as the transaction left it and writes the status `settler`
    /// decides; true when it changed.
    static func settleCompliance(deviceNum num: Int64, _ settler: ComplianceSettler, at: Int64, _ db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(deviceColumns(of: "d")) FROM devices d WHERE d.num = ?", arguments: [num]) else {
            return false
        }
        let device = try deviceRecord(row, days: settler.days)
        let current = try String.fetchOne(db, sql: "SELECT \(currentKey) FROM device_compliance WHERE device_num = ?", arguments: [num])
        guard let change = settler.decide(num, device, current, at) else { return false }
        try applyCompliance(change, db) { n in
            guard let id = try insertNotice(n, message: settler.noticeMessage, db) else { return }
            if let m = settler.ownerMessage(id, n, device.owner) { try insertOutbox(m, at: n.createdAt, db) }
        }
        return true
    }

    /// Writes one status change: the status row (or its removal, which closes the device's
    /// `inspection_overdue` notices), the stream's `device` event, and the new status's notice.
    static func applyCompliance(_ c: ComplianceChange, _ db: Database, send: (NoticeDraft) throws -> Void) throws {
        if let s = c.status {
            try db.execute(sql: """
                INSERT INTO device_compliance(device_num, reason_key, reason, reason_zh, kind, since, updated_at) VALUES (?,?,?,?,?,?,?)
                ON CONFLICT(device_num) DO UPDATE SET reason_key = excluded.reason_key, reason = excluded.reason,
                    reason_zh = excluded.reason_zh, kind = excluded.kind, since = excluded.since, updated_at = excluded.updated_at
                """, arguments: [c.deviceNum, s.key, s.reason.en, s.reason.zh, s.kind, s.since, c.at])
        } else {
            try db.execute(sql: "DELETE FROM device_compliance WHERE device_num = ?", arguments: [c.deviceNum])
            try db.execute(sql: """
                UPDATE notices SET status = 'closed', closed_at = ? WHERE device_num = ? AND kind = ? AND status != 'closed'
                """, arguments: [c.at, c.deviceNum, NoticeKind.inspectionOverdue.rawValue])
        }
        try insertChange(.device, deviceNum: c.deviceNum, at: c.at, payload: c.event, db)
        if let n = c.notice { try send(n) }
    }

    /// A status's key as the compliance service compares it with its decision: a status written
    /// before reasons had Chinese (schema v17) reads as a different one, so the service writes it
    /// again, with its Chinese; its notice exists (same key) and is not sent twice.
    static let currentKey = "CASE WHEN reason_zh IS NULL THEN 'unrendered:' || reason_key ELSE reason_key END"

    /// The reason key of every device that must not be used, by device.
    public func mustNotUseKeys() throws(StoreError) -> [Int64: String] {
        do {
            return try pool.read { db in
                var out: [Int64: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT device_num, \(Self.currentKey) AS reason_key FROM device_compliance") {
                    out[row["device_num"]] = row["reason_key"]
                }
                return out
            }
        } catch {
            throw StoreError(operation: "read must-not-use status", error)
        }
    }

    /// Stores status changes and reminder notices in one transaction. `noticeMessage` builds the
    /// firm's message of a new notice and `ownerMessage` the owner's copy (nil: none); a
    /// notice whose key exists is not sent again. Returns the keys of the notices inserted.
    @discardableResult
    public func record(compliance changes: [ComplianceChange], reminders: [NoticeDraft],
                       noticeMessage: @escaping NoticeMessage,
                       ownerMessage: @escaping @Sendable (Int64, NoticeDraft) -> OutboxMessage?) throws(StoreError) -> [String] {
        guard !changes.isEmpty || !reminders.isEmpty else { return [] }
        do {
            return try pool.write { db in
                var inserted: [String] = []
                func send(_ n: NoticeDraft) throws {
                    guard let id = try Self.insertNotice(n, message: noticeMessage, db) else { return }
                    inserted.append(n.key)
                    if let m = ownerMessage(id, n) { try Self.insertOutbox(m, at: n.createdAt, db) }
                }
                for c in changes { try Self.applyCompliance(c, db, send: send) }
                for n in reminders { try send(n) }
                return inserted
            }
        } catch {
            throw StoreError(operation: "record inspection compliance", error)
        }
    }
}
