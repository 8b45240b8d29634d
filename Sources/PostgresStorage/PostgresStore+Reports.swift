import Domain
import Records
import Foundation

extension PostgresStore {
    // MARK: Rescues

    public func missedRescues(now: Int64) throws(StoreError) -> [MissedRescue] {
        try query("read rescue deadlines") { s in
            try s.rows("""
                SELECT r.alarm_id, r.device_num, d.id AS device, d.type, d.site, r.firm, r.fired_at, r.deadline_at, a.incident_id
                FROM rescues r JOIN devices d ON d.num = r.device_num LEFT JOIN alarms a ON a.id = r.alarm_id
                WHERE r.resolved_at IS NULL AND r.on_site_at IS NULL AND r.escalated_at IS NULL AND r.deadline_at <= ?
                ORDER BY r.deadline_at
                """, [now]).map { row throws(StoreError) in
                MissedRescue(alarmId: try row.int(required: "alarm_id"), deviceNum: try row.int(required: "device_num"),
                             device: try row.text(required: "device"), type: try row.text(required: "type"), site: try row.text(required: "site"),
                             firm: try row.text(required: "firm"), firedAt: try row.int(required: "fired_at"),
                             deadlineAt: try row.int(required: "deadline_at"), incidentId: row.int("incident_id"))
            }
        }
    }

    public func escalate(_ r: MissedRescue, at now: Int64, message: OutboxMessage) throws(StoreError) -> Bool {
        try write("escalate rescue of alarm \(r.alarmId)") { s in
            guard try s.execute("""
                UPDATE rescues SET escalated_at = ? WHERE alarm_id = ? AND escalated_at IS NULL AND on_site_at IS NULL AND resolved_at IS NULL
                """, [now, r.alarmId]) == 1 else { return false }
            if let incident = r.incidentId { try Self.timeline(s, incident: incident, at: now, kind: "rescue_deadline_missed", detail: message.payload) }
            try Self.insertOutbox(message, at: now, s)
            try Self.insertChange(.alarm, deviceNum: r.deviceNum, at: now, payload: message.payload, s)
            return true
        }
    }

    // MARK: Risk

    public func riskHistories(_ devices: [Int64], alarmsSince: Int64, gapsSince: Int64) throws(StoreError) -> [Int64: RiskHistory] {
        guard !devices.isEmpty else { return [:] }
        return try read("read risk history") { s in
            var out: [Int64: RiskHistory] = [:]
            var start = 0
            while start < devices.count {
                let chunk = Array(devices[start..<min(devices.count, start + 1000)])
                start += chunk.count
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try s.rows("SELECT device_num, severity, fired_at, incident_id FROM alarms WHERE device_num IN (\(marks)) AND fired_at >= ?",
                                      chunk + [alarmsSince]) {
                    out[try row.int(required: "device_num"), default: RiskHistory()].alarms.append(
                        (severity: try row.text(required: "severity"), firedAt: try row.int(required: "fired_at"), incident: row.int("incident_id") != nil))
                }
                for row in try s.rows("""
                    SELECT device_num, COUNT(*) AS n FROM notices
                    WHERE device_num IN (\(marks)) AND kind = 'maintenance_overdue' AND status != 'closed' GROUP BY device_num
                    """, chunk) {
                    out[try row.int(required: "device_num"), default: RiskHistory()].maintenanceOverdue = Int(row.int("n") ?? 0)
                }
                for row in try s.rows("""
                    SELECT device_num, COUNT(*) AS n FROM events WHERE device_num IN (\(marks)) AND ts >= ? AND code = 'monitoring_gap' GROUP BY device_num
                    """, chunk + [gapsSince]) {
                    out[try row.int(required: "device_num"), default: RiskHistory()].gaps = Int(row.int("n") ?? 0)
                }
            }
            return out
        }
    }

    public func currentRisk() throws(StoreError) -> [Int64: (grade: Grade, computedAt: Int64)] {
        try query("read current grades") { s in
            var out: [Int64: (grade: Grade, computedAt: Int64)] = [:]
            for row in try s.rows("SELECT device_num, grade, computed_at FROM device_risk") {
                guard let g = Grade(rawValue: row.text("grade") ?? "") else {
                    throw StoreError.failed(operation: "read current grades", reason: "device_risk holds an unknown grade '\(row.text("grade") ?? "")'")
                }
                out[try row.int(required: "device_num")] = (g, try row.int(required: "computed_at"))
            }
            return out
        }
    }

    public func record(grades updates: [GradeWrite], noticeMessage: NoticeMessage?) throws(StoreError) {
        guard !updates.isEmpty else { return }
        try write("record risk grades") { s in
            // Every grade in one statement (a round grades hundreds).
            try Self.insertRows("device_risk(device_num, grade, score, likelihood, exposure, consequence, factors, model, computed_at, since)",
                                updates.map { u in [u.deviceNum, u.grade, u.score, u.likelihood, u.exposure, u.consequence, u.factors, u.model, u.at, u.at] },
                                suffix: """
                ON CONFLICT(device_num) DO UPDATE SET grade = excluded.grade, score = excluded.score,
                    likelihood = excluded.likelihood, exposure = excluded.exposure, consequence = excluded.consequence,
                    factors = excluded.factors, model = excluded.model, computed_at = excluded.computed_at,
                    since = CASE WHEN device_risk.grade = excluded.grade THEN device_risk.since ELSE excluded.since END
                """, s)
            // The changes: their history rows in one statement (ids in the updates' order), then
            // events, notices, stream and feed rows as lists.
            let changed = updates.filter(\.changed)
            guard !changed.isEmpty else { return }
            var ids: [Int64: [Int64]] = [:]
            for row in try s.eachSlice(changed.enumerated().map { i, u -> [any SQLBindable] in
                [Int64(i), u.deviceNum, u.at, u.grade, u.previous?.rawValue, u.score, u.likelihood, u.exposure, u.consequence, u.factors, u.model]
            }, types: [.bigint, .bigint, .bigint, .text, .text, .double, .double, .double, .double, .text, .text], { values in """
                INSERT INTO risk_grades(device_num, at, grade, previous, score, likelihood, exposure, consequence, factors, model)
                SELECT v.device_num, v.at, v.grade, v.previous, v.score, v.likelihood, v.exposure, v.consequence, v.factors, v.model
                FROM (VALUES \(values)) AS v(position, device_num, at, grade, previous, score, likelihood, exposure, consequence, factors, model)
                ORDER BY v.position RETURNING id, device_num
                """ }) {
                ids[try row.int(required: "device_num"), default: []].append(try row.int(required: "id"))
            }
            for k in ids.keys { ids[k]?.sort(by: >) }   // popped from the end: ascending, the order made
            var events: [DerivedEvent] = []
            var notices: [NoticeDraft] = []
            for u in changed {
                let historyId = ids[u.deviceNum]?.popLast() ?? 0
                let event = u.changeEvent(historyId)
                events.append(DerivedEvent(deviceNum: u.deviceNum, ts: u.at, code: .riskGradeChanged, data: event, receivedAt: u.at))
                try Self.insertChange(.grade, deviceNum: u.deviceNum, at: u.at, payload: event, s)
                if let notice = u.notice { notices.append(notice) }
                if let feed = u.redFeed { try Self.insertOutbox(feed(historyId), at: u.at, s) }
            }
            try Self.insertDerived(events, s)
            _ = try Self.insertNotices(notices, message: noticeMessage, s)
        }
    }

    // MARK: Statistics

    public func alarmCounts(by dimension: StatsDimension, from: Int64, to: Int64, scope: Role) throws(StoreError) -> [AlarmCountItem] {
        var c = Conditions([("a.fired_at >= ?", from), ("a.fired_at < ?", to)])
        c.scope(scope)
        let key: String = switch dimension {
        case .type: "d.type"
        case .severity: "a.severity"
        // Local calendar months of the firing time: the offset is bound.
        case .month: "to_char(to_timestamp((a.fired_at + ?) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')"
        case .site: "d.site"
        case .firm: "d.firm"
        case .rule: "a.rule"
        }
        let keyArguments: SQLArguments = dimension == .month ? [localDays.offsetMs] : []
        return try rows(AlarmCountItem.self, """
            SELECT key, COUNT(*) AS alarms, SUM(critical) AS critical, SUM(incident) AS incidents FROM (
                SELECT \(key) AS key, (a.severity = 'critical')::int AS critical,
                       (i.id IS NOT NULL AND i.opened_at >= ? AND i.opened_at < ?)::int AS incident
                FROM alarms a JOIN devices d ON d.num = a.device_num LEFT JOIN incidents i ON i.alarm_id = a.id
                \(c.sql)) x
            GROUP BY key ORDER BY alarms DESC, key
            """, keyArguments + [from, to] + c.arguments)
    }

    public func rescues(from: Int64, to: Int64, scope: Role) throws(StoreError) -> [RescueRow] {
        var c = Conditions([("r.fired_at >= ?", from), ("r.fired_at < ?", to)])
        c.scope(scope)
        return try query("read rescues") { s in
            try s.rows("""
                SELECT r.firm, f.name AS firm_name, r.fired_at, r.within_ms, r.on_site_at, r.resolved_at, r.escalated_at,
                       r.alarm_id, r.on_site_by
                FROM rescues r JOIN devices d ON d.num = r.device_num LEFT JOIN firms f ON f.id = r.firm
                \(c.sql) ORDER BY r.firm, r.fired_at
                """, c.arguments).map { row throws(StoreError) in
                RescueRow(firm: try row.text(required: "firm"), firmName: row.text("firm_name"), firedAt: try row.int(required: "fired_at"),
                          withinMs: try row.int(required: "within_ms"), onSiteAt: row.int("on_site_at"), resolvedAt: row.int("resolved_at"),
                          escalatedAt: row.int("escalated_at"), alarmId: row.int("alarm_id"), onSiteBy: row.text("on_site_by"))
            }
        }
    }

    public func maintenanceTimeliness(from: Int64, to: Int64, now: Int64, scope: Role) throws(StoreError) -> [MaintenanceTimelinessItem] {
        var c = Conditions([("n.due_by >= ?", from), ("n.due_by < ?", to)])
        c.add("n.kind IN ('\(NoticeKind.maintenanceDue.rawValue)', '\(NoticeKind.faultFollowup.rawValue)')")
        c.scope(scope)
        return try rows(MaintenanceTimelinessItem.self, """
            SELECT n.firm, MAX(f.name) AS firm_name, COUNT(*) AS notices,
                   SUM((n.status = 'closed' AND n.closed_by_record IS NOT NULL AND n.closed_at <= n.due_by)::int) AS on_time,
                   SUM((n.status = 'closed' AND n.closed_by_record IS NOT NULL AND n.closed_at > n.due_by)::int) AS late,
                   SUM((n.status != 'closed' AND n.due_by < ?)::int) AS open_overdue
            FROM notices n JOIN devices d ON d.num = n.device_num LEFT JOIN firms f ON f.id = n.firm
            \(c.sql) GROUP BY n.firm ORDER BY n.firm
            """, [now] + c.arguments)
    }

    public func inspectionStats(from: Day, to: Day, scope: Role) throws(StoreError) -> InspectionStatsItem {
        var c = Conditions([("i.date >= ?", from.description), ("i.date <= ?", to.description)])
        c.add("i.source != 'registry'")
        c.scope(scope)
        var m = Conditions()
        m.scope(scope)
        let rows = try rows(InspectionStatsItem.self, """
            SELECT COUNT(*) AS recorded, COALESCE(SUM((i.result = 'pass')::int), 0) AS passed,
                   COALESCE(SUM((i.result = 'fail')::int), 0) AS failed,
                   COALESCE(SUM((i.due_before IS NOT NULL AND i.date <= i.due_before)::int), 0) AS on_time,
                   COALESCE(SUM((i.due_before IS NOT NULL AND i.date > i.due_before)::int), 0) AS late,
                   (SELECT COUNT(*) FROM device_compliance mn JOIN devices d ON d.num = mn.device_num \(m.sql)) AS must_not_use,
                   (SELECT COUNT(*) FROM device_compliance mn JOIN devices d ON d.num = mn.device_num
                      \(m.sql.isEmpty ? "WHERE" : m.sql + " AND") mn.reason_key LIKE 'overdue:%') AS overdue_now,
                   (SELECT COUNT(*) FROM device_compliance mn JOIN devices d ON d.num = mn.device_num
                      \(m.sql.isEmpty ? "WHERE" : m.sql + " AND") mn.reason_key LIKE 'failed:%') AS failed_now
            FROM inspections i JOIN devices d ON d.num = i.device_num
            \(c.sql)
            """, m.arguments + m.arguments + m.arguments + c.arguments)
        return rows[0]
    }

    public func gradeCounts(scope: Role) throws(StoreError) -> [GradeCountItem] {
        var c = Conditions()
        c.scope(scope)
        return try rows(GradeCountItem.self, """
            SELECT COALESCE(r.grade, 'none') AS grade, COUNT(*) AS devices
            FROM devices d LEFT JOIN device_risk r ON r.device_num = d.num
            \(c.sql) GROUP BY COALESCE(r.grade, 'none')
            ORDER BY CASE COALESCE(r.grade, 'none') WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 WHEN 'blue' THEN 3 ELSE 4 END
            """, c.arguments)
    }
}
