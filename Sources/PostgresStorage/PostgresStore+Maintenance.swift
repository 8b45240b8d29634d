import Domain
import Records
import Foundation

extension PostgresStore {
    /// Writes what the maintenance planner decided, in the commit's transaction (as on SQLite):
    /// the notices in one statement, then the must-not-use status of each device a new major
    /// hazard notice names.
    static func insertPlannerResults(_ batch: CommitBatch, _ s: SQLSession) throws(StoreError) {
        let ids = try insertNotices(batch.notices, message: batch.noticeMessage, s)
        if let settle = batch.settle {
            var settled = Set<Int64>()
            for (n, id) in zip(batch.notices, ids) where id != nil && n.hazard != nil && settled.insert(n.deviceNum).inserted {
                _ = try settleCompliance(deviceNum: n.deviceNum, settle, at: n.createdAt, s)
            }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try updateRows("maintenance_records m SET applied_at = v.applied_at, baseline = v.baseline",
                       columns: [("id", .bigint), ("applied_at", .bigint), ("baseline", .text)],
                       rows: Dictionary(batch.applied.map { ($0.record, $0.counters) }, uniquingKeysWith: { first, _ in first })
                           .sorted { $0.key < $1.key }.map { [$0.key, now, $0.value] },
                       where: "m.id = v.id AND m.applied_at IS NULL", s)
        try insertRows("maintenance_state(device_num, state, updated_at)", latestPerDevice(batch.plannerStates).map { [$0.device, $0.state, now] },
                       suffix: "ON CONFLICT(device_num) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at", s)
    }

    /// Inserts a notice and its outbox message; returns its id, or nil when it already existed
    /// or was made stale by a newer maintenance record.
    static func insertNotice(_ n: NoticeDraft, message: NoticeMessage?, _ s: SQLSession) throws(StoreError) -> Int64? {
        try insertNotices([n], message: message, s)[0]
    }

    /// Inserts notices with their rescue clocks, hazards and outbox messages in a few
    /// statements; returns each one's id, or nil where it already existed (its key, also earlier
    /// in `drafts`) or was made stale by a newer maintenance record.
    static func insertNotices(_ drafts: [NoticeDraft], message: NoticeMessage?, _ s: SQLSession) throws(StoreError) -> [Int64?] {
        guard !drafts.isEmpty else { return [] }
        var ids = [Int64?](repeating: nil, count: drafts.count)
        var byKey: [String: Int] = [:]
        for (i, n) in drafts.enumerated() where byKey[n.key] == nil { byKey[n.key] = i }
        let rows: [[any SQLBindable]] = byKey.values.sorted().map { i in
            let n = drafts[i]
            return [Int64(i), n.key, n.deviceNum, n.firm, n.type, n.kind, n.trigger, n.reason.en, n.reason.zh,
                    n.reason.code.rawValue, n.reason.parametersJSON, n.dueBy, n.createdAt, n.detail, n.staleAfterRecord ?? Int64.max]
        }
        // Ids in the drafts' order; a notice made stale by newer work is not written.
        for row in try s.eachSlice(rows, types: [.bigint, .text, .bigint, .text, .text, .text, .text, .text, .text, .text, .text,
                                                 .bigint, .bigint, .text, .bigint], { values in """
            INSERT INTO notices(key, device_num, firm, type, kind, trigger, reason, reason_zh, reason_code, reason_parameters,
                                due_by, created_at, status, detail)
            SELECT v.key, v.device_num, v.firm, v.type, v.kind, v.trigger, v.reason, v.reason_zh, v.reason_code, v.reason_parameters,
                   v.due_by, v.created_at, 'open', v.detail
            FROM (VALUES \(values)) AS
                v(position, key, device_num, firm, type, kind, trigger, reason, reason_zh, reason_code, reason_parameters,
                  due_by, created_at, detail, stale_after)
            WHERE NOT EXISTS (SELECT 1 FROM maintenance_records m WHERE m.device_num = v.device_num AND m.id > v.stale_after)
            ORDER BY v.position
            ON CONFLICT(key) DO NOTHING RETURNING id, key
            """ }) {
            if let key = row.text("key"), let i = byKey[key] { ids[i] = row.int("id") }
        }
        var rescues: [[any SQLBindable]] = []
        var hazards: [[any SQLBindable]] = []
        for (n, id) in zip(drafts, ids) {
            guard let id else { continue }
            if let r = n.rescue { rescues.append([r.alarmId, n.deviceNum, n.firm, r.firedAt, r.deadlineAt, r.withinMs, id]) }
            if let h = n.hazard { hazards.append([n.deviceNum, h.rule, h.alarmId, h.raisedAt]) }
            if let message {
                let m = message(id, n)
                try insertOutbox(m, at: n.createdAt, s)
                try insertChange(.notice, deviceNum: n.deviceNum, at: n.createdAt, payload: m.payload, s)
            }
        }
        // A rescue whose alarm is already resolved starts stopped.
        try s.eachSlice(rescues, types: [.bigint, .bigint, .text, .bigint, .bigint, .bigint, .bigint]) { values in """
            INSERT INTO rescues(alarm_id, device_num, firm, fired_at, deadline_at, within_ms, notice_id, resolved_at)
            SELECT v.*, (SELECT resolved_at FROM alarms a WHERE a.id = v.alarm_id AND a.state = 'resolved')
            FROM (VALUES \(values)) AS v(alarm_id, device_num, firm, fired_at, deadline_at, within_ms, notice_id)
            ON CONFLICT DO NOTHING
            """ }
        try insertRows("device_hazards(device_num, rule, alarm_id, raised_at)", hazards, suffix: "ON CONFLICT DO NOTHING", s)
        return ids
    }

    public func insertMaintenance(_ c: Completion, closing kinds: [NoticeKind],
                                  check: (_ deviceFirm: String?) throws -> Void,
                                  answer: (CompletionResult) -> OutboxMessage?) throws -> CompletionResult {
        do {
            return try connections.write { s in
                let row = try s.row("SELECT num, firm FROM devices WHERE id = ?", [c.device])
                try check(row?.text("firm"))
                guard let row else { throw StoreError.failed(operation: "record maintenance", reason: "no device \(c.device)") }
                let num = try row.int(required: "num")
                let items = try String(decoding: JSONEncoder().encode(c.items), as: UTF8.self)
                let tiers = try String(decoding: JSONEncoder().encode(c.tiers.map(\.rawValue)), as: UTF8.self)
                let id = try s.int("""
                    INSERT INTO maintenance_records(device_num, firm, done_at, items, source, reported_at, tiers, worker_cert) VALUES (?,?,?,?,?,?,?,?) RETURNING id
                    """, [num, c.firm, c.doneAt, items, c.source, c.reportedAt, tiers, c.workerCert]) ?? 0
                let placeholders = Array(repeating: "?", count: kinds.count).joined(separator: ",")
                // A tier's notices (trigger `tier:{name}`) close only when the work covered that tier.
                let closed = kinds.isEmpty ? 0 : try s.execute("""
                    UPDATE notices SET status = 'closed', closed_at = ?, closed_by_record = ?
                    WHERE device_num = ? AND status != 'closed' AND kind IN (\(placeholders))
                      AND (trigger NOT LIKE 'tier:%' OR substr(trigger, 6) IN (SELECT jsonb_array_elements_text(?::jsonb)))
                    """, [c.reportedAt, id, num] + kinds.map(\.rawValue) + [tiers])
                let result = CompletionResult(record: id, deviceNum: num, closedNotices: closed)
                if let message = answer(result) { try Self.insertOutbox(message, at: c.reportedAt, s) }
                return result
            }
        } catch let e as StoreError {
            throw e.named("record maintenance")
        }
    }

    public func unappliedMaintenance(after id: Int64, limit: Int) throws(StoreError) -> [MaintenanceRecord] {
        try query("read maintenance records") { s in
            try s.rows("SELECT id, device_num, firm, done_at, tiers FROM maintenance_records WHERE applied_at IS NULL AND id > ? ORDER BY id LIMIT ?",
                       [id, limit]).map { row throws(StoreError) in
                let tiers = row.text("tiers").flatMap { try? JSONDecoder().decode([MaintenanceTier].self, from: Data($0.utf8)) } ?? []
                return MaintenanceRecord(id: try row.int(required: "id"), deviceNum: try row.int(required: "device_num"),
                                         firm: try row.text(required: "firm"), doneAt: try row.int(required: "done_at"), tiers: tiers)
            }
        }
    }

    public func planStateRows() throws(StoreError) -> [Int64: String] {
        try query("load maintenance state") { s in
            var out: [Int64: String] = [:]
            for row in try s.rows("SELECT device_num, state FROM maintenance_state") { out[try row.int(required: "device_num")] = row.text("state") }
            return out
        }
    }

    public func acknowledge(notice id: Int64, firm: String?, by who: String, at: Int64) throws(StoreError) -> AckResult {
        try write("acknowledge notice \(id)") { s in
            guard let row = try s.row("SELECT firm, status, acked_by, acked_at FROM notices WHERE id = ? FOR UPDATE", [id]),
                  firm == nil || firm == row.text("firm") else { return .notFound }
            if let by = row.text("acked_by") { return .alreadyAcknowledged(by: by, at: row.int("acked_at") ?? 0) }
            try s.execute("UPDATE notices SET acked_by = ?, acked_at = ?, status = CASE WHEN status = 'open' THEN 'acked' ELSE status END WHERE id = ?",
                          [who, at, id])
            return .acknowledged
        }
    }

    // MARK: Queries

    public func notices(_ f: NoticeFilter) throws(StoreError) -> [NoticeItem] {
        var c = Conditions()
        c.equal("n.firm", f.firm)
        c.equal("n.status", f.status)
        c.equal("d.id", f.device)
        c.equal("n.kind", f.kind)
        c.scope(f.scope)
        if let due = f.dueBefore {
            c.add("n.due_by < ?", due)
            c.add("n.status != 'closed'")
        }
        if let after = f.after { c.add("n.id < ?", after.id) }
        return try rows(NoticeItem.self, """
            SELECT n.id, n.created_at, n.kind, d.id AS device, n.type, n.firm, f.name AS firm_name, n.trigger,
                   \(localized("n.reason", f.language)) AS reason, n.reason_code, COALESCE(n.reason_parameters, '{}') AS reason_parameters,
                   n.due_by, n.status, n.acked_by, n.acked_at, n.closed_at, n.closed_by_record, n.detail
            FROM notices n JOIN devices d ON d.num = n.device_num LEFT JOIN firms f ON f.id = n.firm
            \(c.sql) ORDER BY \(f.dueBefore == nil ? "n.id DESC" : "n.due_by, n.id") LIMIT ?
            """, c.arguments + [f.limit])
    }

    public func maintenanceHistory(device: String, limit: Int, scope: Role, after: PageCursor?) throws(StoreError) -> [MaintenanceItem] {
        var c = Conditions([("d.id = ?", device)])
        c.scope(scope)
        c.before(after, sort: "r.done_at", id: "r.id")
        return try rows(MaintenanceItem.self, """
            SELECT r.id, r.done_at, r.firm, r.worker_cert, r.items, r.tiers, r.source, r.reported_at, r.applied_at, r.baseline
            FROM maintenance_records r JOIN devices d ON d.num = r.device_num
            \(c.sql) ORDER BY r.done_at DESC, r.id DESC LIMIT ?
            """, c.arguments + [limit])
    }

    public func riskDetail(device: String) throws(StoreError) -> (grade: RiskGradeItem?, factors: [RiskFactorItem]) {
        let grade = try rows(RiskGradeItem.self, """
            SELECT r.grade, r.score, r.likelihood, r.exposure, r.consequence, r.model, r.computed_at, r.since
            FROM device_risk r JOIN devices d ON d.num = r.device_num WHERE d.id = ?
            """, [device]).first
        let factors = try rows(RiskFactorItem.self, """
            SELECT f.v->>'part' AS part, f.v->>'name' AS factor, f.v->>'input' AS input, (f.v->>'value')::double precision AS value
            FROM device_risk r JOIN devices d ON d.num = r.device_num,
                 jsonb_array_elements(r.factors::jsonb) WITH ORDINALITY AS f(v, k) WHERE d.id = ?
            ORDER BY f.k
            """, [device])
        return (grade, factors)
    }

    public func riskHistory(device: String, limit: Int) throws(StoreError) -> [RiskHistoryItem] {
        try rows(RiskHistoryItem.self, """
            SELECT g.at, g.previous, g.grade, g.score, g.model FROM risk_grades g JOIN devices d ON d.num = g.device_num
            WHERE d.id = ? ORDER BY g.at DESC, g.id DESC LIMIT ?
            """, [device, limit])
    }

    public func planStateText(device: String) throws(StoreError) -> String? {
        try query("read maintenance state") { s in
            try s.text("SELECT s.state FROM maintenance_state s JOIN devices d ON d.num = s.device_num WHERE d.id = ?", [device])
        }
    }
}
