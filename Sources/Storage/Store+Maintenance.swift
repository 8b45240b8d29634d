import Foundation
import GRDB
import Ingest
import Maintenance

extension Store {
    /// Writes what the maintenance planner decided (its events go with the other derived events),
    /// in the commit's transaction. A notice is
    /// inserted at most once per key, and not at all when a maintenance record newer than the
    /// planner knew of exists (the work was reported meanwhile); only an inserted notice gets
    /// its outbox message, so the firm hears of it exactly once.
    static func insertPlannerResults(_ batch: CommitBatch, _ db: Database) throws {
        let p = batch.planner
        for n in p.notices { _ = try insertNotice(n, prefix: batch.topicPrefix, db) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (record, baseline) in p.applied {
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

    /// Inserts a notice and its outbox message; returns its id, or nil when it already existed
    /// or was made stale by a newer maintenance record.
    static func insertNotice(_ n: NoticeDraft, prefix: String, _ db: Database) throws -> Int64? {
        try db.execute(sql: """
            INSERT INTO notices(key, device_num, firm, type, kind, trigger, reason, due_by, created_at, status, detail)
            SELECT ?,?,?,?,?,?,?,?,?,'open',?
            WHERE NOT EXISTS (SELECT 1 FROM maintenance_records WHERE device_num = ? AND id > ?)
            ON CONFLICT(key) DO NOTHING
            """, arguments: [n.key, n.deviceNum, n.firm, n.type, n.kind.rawValue, n.trigger, n.reason, n.dueBy, n.createdAt,
                             n.detail, n.deviceNum, n.staleAfterRecord ?? Int64.max])
        guard db.changesCount == 1 else { return nil }
        let id = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO outbox(topic, payload, created_at) VALUES (?,?,?)",
                       arguments: [NoticeFeed.topic(prefix: prefix, firm: n.firm), NoticeFeed.payload(id: id, n), n.createdAt])
        return id
    }

    // MARK: Completions

    /// Records a completed maintenance (SPEC §11): checks that `firm` maintains the device,
    /// keeps the record, and closes the device's open maintenance notices, in one transaction.
    /// The running planner picks the record up within a tick and begins a new cycle from it.
    public func recordMaintenance(_ c: Completion) throws(MaintenanceError) -> CompletionResult {
        do {
            return try pool.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT num, firm FROM devices WHERE id = ?", arguments: [c.device]) else {
                    throw MaintenanceError.unknownDevice(c.device)
                }
                let num: Int64 = row["num"]
                let firm: String = row["firm"]
                guard firm == c.firm else { throw MaintenanceError.notTheDevicesFirm(device: c.device, firm: c.firm) }
                guard c.doneAt <= c.reportedAt + 60_000 else {
                    throw MaintenanceError.inTheFuture(device: c.device, at: Timestamp.format(c.doneAt))
                }
                let items = try String(decoding: JSONEncoder().encode(c.items), as: UTF8.self)
                try db.execute(sql: "INSERT INTO maintenance_records(device_num, firm, done_at, items, source, reported_at) VALUES (?,?,?,?,?,?)",
                               arguments: [num, c.firm, c.doneAt, items, c.source, c.reportedAt])
                let id = db.lastInsertedRowID
                let kinds = NoticeKind.closedByMaintenance.map { "'\($0.rawValue)'" }.joined(separator: ",")
                try db.execute(sql: """
                    UPDATE notices SET status = 'closed', closed_at = ?, closed_by_record = ?
                    WHERE device_num = ? AND status != 'closed' AND kind IN (\(kinds))
                    """, arguments: [c.reportedAt, id, num])
                return CompletionResult(record: id, deviceNum: num, closedNotices: db.changesCount)
            }
        } catch let error as MaintenanceError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    /// Records the planner has not applied yet, oldest first.
    public func unappliedMaintenance(after id: Int64, limit: Int = 1000) throws(StoreError) -> [MaintenanceRecord] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, device_num, firm, done_at FROM maintenance_records WHERE applied_at IS NULL AND id > ? ORDER BY id LIMIT ?
                    """, arguments: [id, limit]).map {
                    MaintenanceRecord(id: $0["id"], deviceNum: $0["device_num"], firm: $0["firm"], doneAt: $0["done_at"])
                }
            }
        } catch {
            throw StoreError.failed(operation: "read maintenance records", reason: "\(error)")
        }
    }

    /// The planner's persisted per-device state.
    public func loadPlanStates() throws(StoreError) -> [Int64: PlanState] {
        do {
            return try pool.read { db in
                var out: [Int64: PlanState] = [:]
                let decoder = JSONDecoder()
                for row in try Row.fetchAll(db, sql: "SELECT device_num, state FROM maintenance_state") {
                    let text: String = row["state"]
                    if let s = try? decoder.decode(PlanState.self, from: Data(text.utf8)) { out[row["device_num"]] = s }
                }
                return out
            }
        } catch {
            throw StoreError.failed(operation: "load maintenance state", reason: "\(error)")
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
            throw StoreError.failed(operation: "acknowledge notice \(id)", reason: "\(error)")
        }
    }
}

/// A completed maintenance as reported by a firm.
public struct Completion: Sendable {
    public let device: String
    public let firm: String
    public let items: [String]
    public let doneAt: Int64
    /// `cli`, `mqtt` or `api`.
    public let source: String
    public let reportedAt: Int64

    public init(device: String, firm: String, items: [String], doneAt: Int64, source: String, reportedAt: Int64) {
        self.device = device
        self.firm = firm
        self.items = items
        self.doneAt = doneAt
        self.source = source
        self.reportedAt = reportedAt
    }
}

public struct CompletionResult: Sendable, Equatable {
    public let record: Int64
    public let deviceNum: Int64
    public let closedNotices: Int
}

/// Why a completion was refused.
public enum MaintenanceError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownDevice(String)
    /// Deliberately does not name the device's firm: a firm learns nothing about others' devices.
    case notTheDevicesFirm(device: String, firm: String)
    case inTheFuture(device: String, at: String)
    case store(String)

    public var description: String {
        switch self {
        case .unknownDevice(let d): "no registered device \(d)"
        case .notTheDevicesFirm(let d, let f): "device \(d) is not maintained by firm \(f)"
        case .inTheFuture(let d, let at): "maintenance of \(d) reported as done at \(at), which is in the future"
        case .store(let reason): "the store refused the record: \(reason)"
        }
    }

    /// Machine-readable code, for dead letters and API errors.
    public var code: String {
        switch self {
        case .unknownDevice: "unknown_device"
        case .notTheDevicesFirm: "wrong_firm"
        case .inTheFuture: "future"
        case .store: "store"
        }
    }
}
