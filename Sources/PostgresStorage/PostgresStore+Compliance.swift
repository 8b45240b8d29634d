import Domain
import Records
import Foundation

extension PostgresStore {
    /// Reads the device `num` as the transaction left it and writes the status `settler`
    /// decides; true when it changed.
    static func settleCompliance(deviceNum num: Int64, _ settler: ComplianceSettler, at: Int64, _ s: SQLSession) throws(StoreError) -> Bool {
        guard let row = try s.row("SELECT \(deviceColumns(of: "d")) FROM devices d WHERE d.num = ?", [num]) else { return false }
        let device = try deviceColumns(row).record(days: settler.days)
        let current = try s.text("SELECT \(currentKey) FROM device_compliance WHERE device_num = ?", [num])
        guard let change = settler.decide(num, device, current, at) else { return false }
        try applyCompliance(change, s) { n throws(StoreError) in
            guard let id = try insertNotice(n, message: settler.noticeMessage, s) else { return }
            if let m = settler.ownerMessage(id, n, device.owner) { try insertOutbox(m, at: n.createdAt, s) }
        }
        return true
    }

    /// Writes one status change: the status row (or its removal, which closes the device's
    /// `inspection_overdue` notices), the stream's `device` event, and the new status's notice.
    static func applyCompliance(_ c: ComplianceChange, _ s: SQLSession, send: (NoticeDraft) throws(StoreError) -> Void) throws(StoreError) {
        if let st = c.status {
            try s.execute("""
                INSERT INTO device_compliance(device_num, reason_key, reason, reason_zh, kind, since, updated_at) VALUES (?,?,?,?,?,?,?)
                ON CONFLICT(device_num) DO UPDATE SET reason_key = excluded.reason_key, reason = excluded.reason,
                    reason_zh = excluded.reason_zh, kind = excluded.kind, since = excluded.since, updated_at = excluded.updated_at
                """, [c.deviceNum, st.key, st.reason.en, st.reason.zh, st.kind, st.since, c.at])
        } else {
            try s.execute("DELETE FROM device_compliance WHERE device_num = ?", [c.deviceNum])
            try s.execute("UPDATE notices SET status = 'closed', closed_at = ? WHERE device_num = ? AND kind = ? AND status != 'closed'",
                          [c.at, c.deviceNum, NoticeKind.inspectionOverdue.rawValue])
        }
        try insertChange(.device, deviceNum: c.deviceNum, at: c.at, payload: c.event, s)
        if let n = c.notice { try send(n) }
    }

    /// A status's key as the compliance service compares it (see `SQLiteStore.currentKey`).
    static let currentKey = "CASE WHEN reason_zh IS NULL THEN 'unrendered:' || reason_key ELSE reason_key END"

    public func mustNotUseKeys() throws(StoreError) -> [Int64: String] {
        try query("read must-not-use status") { s in
            var out: [Int64: String] = [:]
            for row in try s.rows("SELECT device_num, \(Self.currentKey) AS reason_key FROM device_compliance") {
                out[try row.int(required: "device_num")] = row.text("reason_key")
            }
            return out
        }
    }

    @discardableResult
    public func record(compliance changes: [ComplianceChange], reminders: [NoticeDraft], noticeMessage: @escaping NoticeMessage,
                       ownerMessage: @escaping @Sendable (Int64, NoticeDraft) -> OutboxMessage?) throws(StoreError) -> [String] {
        guard !changes.isEmpty || !reminders.isEmpty else { return [] }
        return try write("record inspection compliance") { s in
            var inserted: [String] = []
            func send(_ n: NoticeDraft) throws(StoreError) {
                guard let id = try Self.insertNotice(n, message: noticeMessage, s) else { return }
                inserted.append(n.key)
                if let m = ownerMessage(id, n) { try Self.insertOutbox(m, at: n.createdAt, s) }
            }
            for c in changes { try Self.applyCompliance(c, s, send: send) }
            for n in reminders { try send(n) }
            return inserted
        }
    }

    // MARK: Hazards

    static let hazardColumns = """
        h.id, d.id AS device, d.type, d.site, s.name AS site_name, d.owner, d.firm, h.rule, h.alarm_id AS alarm, h.raised_at,
        CASE WHEN h.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
        (SELECT MAX(x.at) FROM hazard_steps x WHERE x.hazard_id = h.id AND x.step = 'rectified') AS rectified_at,
        (SELECT MAX(x.at) FROM hazard_steps x WHERE x.hazard_id = h.id AND x.step = 'confirmed') AS confirmed_at,
        h.closed_at, h.closed_by, h.closed_organisation, h.closed_note
        FROM device_hazards h JOIN devices d ON d.num = h.device_num LEFT JOIN sites s ON s.id = d.site
        """

    public func hazards(_ filter: HazardFilter) throws(StoreError) -> [HazardItem] {
        var c = Conditions()
        c.equal("d.id", filter.device)
        if let open = filter.open { c.add(open ? "h.closed_at IS NULL" : "h.closed_at IS NOT NULL") }
        c.scope(filter.scope)
        return try rows(HazardItem.self, """
            SELECT \(Self.hazardColumns) \(c.sql)
            ORDER BY h.closed_at IS NOT NULL, CASE WHEN h.closed_at IS NULL THEN h.raised_at ELSE -h.raised_at END, h.id LIMIT ?
            """, c.arguments + [filter.limit])
    }

    public func hazard(_ id: Int64, scope: Role) throws(StoreError) -> HazardItem? {
        var c = Conditions([("h.id = ?", id)])
        c.scope(scope)
        return try rows(HazardItem.self, "SELECT \(Self.hazardColumns) \(c.sql)", c.arguments).first
    }

    public func hazardSteps(_ id: Int64?, device: String?, scope: Role) throws(StoreError) -> [HazardStepItem] {
        var c = Conditions()
        c.equal("x.hazard_id", id)
        c.equal("d.id", device)
        c.scope(scope)
        return try rows(HazardStepItem.self, """
            SELECT x.id, x.hazard_id AS hazard, x.step, x.party, x.by, x.organisation, x.note, x.at
            FROM hazard_steps x JOIN device_hazards h ON h.id = x.hazard_id JOIN devices d ON d.num = h.device_num
            \(c.sql) ORDER BY x.at, x.id
            """, c.arguments)
    }

    public func addHazardStep(_ st: HazardStepDraft, scope: Role, settle: ComplianceSettler?) throws(StoreError) -> HazardStepResult {
        var c = Conditions([("h.id = ?", st.hazard)])
        c.scope(scope)
        return try write("record hazard \(st.step.rawValue)") { s in
            guard let row = try s.row("""
                SELECT h.device_num, h.closed_at, h.closed_by FROM device_hazards h JOIN devices d ON d.num = h.device_num \(c.sql) FOR UPDATE OF h
                """, c.arguments) else { return .notFound }
            if let closedAt = row.int("closed_at") { return .alreadyClosed(by: row.text("closed_by") ?? "", at: closedAt) }
            let num = try row.int(required: "device_num")
            let step = try s.int("INSERT INTO hazard_steps(hazard_id, step, party, by, organisation, note, at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                                 [st.hazard, st.step, st.party, st.by, st.organisation, st.note, st.at]) ?? 0
            if st.step == .closed {
                try s.execute("UPDATE device_hazards SET closed_at = ?, closed_by = ?, closed_organisation = ?, closed_note = ? WHERE id = ?",
                              [st.at, st.by, st.organisation, st.note, st.hazard])
            }
            let changed = try settle.map { settler throws(StoreError) in try Self.settleCompliance(deviceNum: num, settler, at: st.at, s) } ?? false
            return .recorded(step: step, deviceNum: num, statusChanged: changed)
        }
    }

    // MARK: Inspections

    public func inspectionInputs(scope: Role) throws(StoreError) -> [InspectionInput] {
        var c = Conditions()
        c.scope(scope)
        let days = localDays
        return try read("reading devices for inspection planning") { s in
            try s.rows("""
                SELECT \(Self.deviceColumns(of: "d")), r.grade AS risk_grade, s.name AS site_name
                FROM devices d LEFT JOIN device_risk r ON r.device_num = d.num LEFT JOIN sites s ON s.id = d.site
                \(c.sql) ORDER BY d.id
                """, c.arguments).map { row throws(StoreError) in
                InspectionInput(record: try Self.deviceColumns(row).record(days: days), grade: row.text("risk_grade").flatMap(Grade.init(rawValue:)),
                                siteName: row.text("site_name"))
            }
        }
    }

    public func recordInspection(_ r: InspectionRecord, deviceNum: Int64, dueBefore: Day?, at: Int64, settle: ComplianceSettler?) throws(StoreError) -> Int64 {
        try write("record inspection") { s in
            let id = try s.int("""
                INSERT INTO inspections(device_num, kind, date, result, grade, inspector, organisation, report_no,
                                        source, recorded_by, recorded_at, due_before) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id
                """, [deviceNum, r.kind, r.date.description, r.result, r.grade, r.inspector, r.organisation,
                      r.reportNumber, r.source, r.recordedBy, at, dueBefore?.description]) ?? 0
            if let settle { _ = try Self.settleCompliance(deviceNum: deviceNum, settle, at: at, s) }
            return id
        }
    }

    public func inspectionHistory(device: String, scope: Role) throws(StoreError) -> [InspectionRecordItem] {
        var c = Conditions([("d.id = ?", device)])
        c.scope(scope)
        return try rows(InspectionRecordItem.self, """
            SELECT i.id, d.id AS device, i.kind, i.date, i.result, i.grade, i.inspector, i.organisation, i.report_no,
                   i.source, i.recorded_by, i.recorded_at, i.due_before
            FROM inspections i JOIN devices d ON d.num = i.device_num
            \(c.sql) ORDER BY i.date DESC, i.id DESC
            """, c.arguments)
    }

    public func complianceRevision() throws(StoreError) -> String {
        try query("read inspections") { s in
            let row = try s.row("""
                SELECT (SELECT COALESCE(MAX(id), 0) FROM inspections) AS i, (SELECT COALESCE(MAX(id), 0) FROM device_hazards) AS h,
                       (SELECT COUNT(*) FROM device_hazards WHERE closed_at IS NOT NULL) AS c
                """)
            return "\(row?.int("i") ?? 0)/\(row?.int("h") ?? 0)/\(row?.int("c") ?? 0)"
        }
    }

    // MARK: Fills, names, outages

    public func fills(device: String, limit: Int, scope: Role) throws(StoreError) -> [FillItem] {
        var c = Conditions([("e.code = ?", "fill"), ("d.id = ?", device)])
        c.scope(scope)
        return try rows(FillItem.self, """
            SELECT ts, j->>'station' AS station, j->>'station_name' AS station_name, j->>'licence' AS licence, j->>'result' AS result,
                   (j->'problems')::text AS problems, j->>'detail' AS detail,
                   j#>>'{fill,operator}' AS operator, j->>'filler_cert' AS filler_cert, j->>'filler_problem' AS filler_problem,
                   j#>>'{fill,gun}' AS gun, j#>>'{fill,gas}' AS gas,
                   j#>>'{fill,pre_fill_check}' AS pre_fill_check, j#>>'{fill,started_at}' AS started_at,
                   (j#>>'{fill,tare_kg}')::double precision AS tare_kg, (j#>>'{fill,gross_kg}')::double precision AS gross_kg,
                   (j#>>'{fill,net_kg}')::double precision AS net_kg, (j#>>'{fill,fill_pressure_mpa}')::double precision AS fill_pressure_mpa
            FROM (SELECT e.ts, e.id, e.data::jsonb AS j FROM events e JOIN devices d ON d.num = e.device_num
                  \(c.sql) ORDER BY e.ts DESC, e.id DESC LIMIT ?) f
            ORDER BY ts DESC, id DESC
            """, c.arguments + [limit])
    }

    public func names(scope: Role) throws(StoreError) -> [NameItem] {
        var c = Conditions()
        c.scope(scope)
        let within = "SELECT d.firm, d.owner, d.site FROM devices d \(c.sql)"
        return try rows(NameItem.self, """
            SELECT 'firm' AS kind, f.id, f.name, f.name_zh FROM firms f WHERE f.id IN (SELECT firm FROM (\(within)) w)
            UNION ALL
            SELECT 'owner', o.id, o.name, o.name_zh FROM owners o WHERE o.id IN (SELECT owner FROM (\(within)) w)
            UNION ALL
            SELECT 'site', s.id, s.name, s.name_zh FROM sites s WHERE s.id IN (SELECT site FROM (\(within)) w)
            ORDER BY 1, 2
            """, c.arguments + c.arguments + c.arguments)
    }

    public func recordOutage(cause: OutageCause, startedAt: Int64, endedAt: Int64?) throws(StoreError) {
        try write("record an outage") { s in
            try s.execute("""
                INSERT INTO pipeline_outages(cause, started_at, ended_at) VALUES (?, ?, ?)
                ON CONFLICT(cause, started_at) DO UPDATE SET ended_at = COALESCE(excluded.ended_at, pipeline_outages.ended_at)
                """, [cause, startedAt, endedAt])
        }
    }

    public func outages(limit: Int, now: Int64) throws(StoreError) -> [OutageItem] {
        try rows(OutageItem.self, """
            SELECT id, cause, started_at, ended_at, (COALESCE(ended_at, ?) - started_at) / 1000 AS seconds
            FROM pipeline_outages ORDER BY started_at DESC, id DESC LIMIT ?
            """, [now, limit])
    }
}
