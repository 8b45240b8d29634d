import Domain
import Records

extension PostgresStore {
    /// The columns of `AccidentItem`; the one `?` is `now`, for `report_late`.
    static let accidentColumns = """
        a.id, a.class, a.status, a.occurred_at, d.id AS device,
        (SELECT string_agg(d2.id, ' ' ORDER BY x.position) FROM accident_devices x JOIN devices d2 ON d2.num = x.device_num
         WHERE x.accident_id = a.id) AS devices,
        d.type, d.site, s.name AS site_name, d.owner, d.firm, a.place, a.deaths, a.serious_injuries, a.loss_cny, a.special_case,
        a.summary, a.alarm_id AS alarm, a.incident_id AS incident, a.report_due_at, a.reported_at, a.reported_by,
        CASE WHEN a.status = 'dismissed' THEN 0 WHEN COALESCE(a.reported_at, ?::BIGINT) > a.report_due_at THEN 1 ELSE 0 END AS report_late,
        a.cause, a.findings, a.recorded_by, a.recorded_at
        FROM accidents a JOIN devices d ON d.num = a.device_num LEFT JOIN sites s ON s.id = d.site
        """

    public func accidents(_ f: AccidentFilter) throws(StoreError) -> [AccidentItem] {
        var c = Conditions()
        if let from = f.from { c.add("a.occurred_at >= ?", from) }
        if let to = f.to { c.add("a.occurred_at < ?", to) }
        c.equal("a.status", f.status)
        if let device = f.device {
            c.add("EXISTS (SELECT 1 FROM accident_devices x JOIN devices d3 ON d3.num = x.device_num WHERE x.accident_id = a.id AND d3.id = ?)", device)
        }
        c.scope(f.scope)
        return try rows(AccidentItem.self, "SELECT \(Self.accidentColumns) \(c.sql) ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?",
                        [f.now] + c.arguments + [f.limit])
    }

    public func accident(_ id: Int64, scope: Role, now: Int64) throws(StoreError) -> AccidentItem? {
        var c = Conditions([("a.id = ?", id)])
        c.scope(scope)
        return try rows(AccidentItem.self, "SELECT \(Self.accidentColumns) \(c.sql)", [now] + c.arguments).first
    }

    public func recordAccident(_ draft: AccidentDraft, scope: Role) throws(StoreError) -> AccidentRecordResult {
        try write("record accident") { s in try Self.insertAccident(draft, scope: scope, s) }
    }

    static func insertAccident(_ draft: AccidentDraft, scope: Role, _ s: SQLSession) throws(StoreError) -> AccidentRecordResult {
        let r = draft.report
        var nums: [Int64] = []
        for device in r.devices {
            var c = Conditions([("d.id = ?", device)])
            c.scope(scope)
            guard let num = try s.int("SELECT d.num FROM devices d \(c.sql)", c.arguments) else { return .unknownDevice(device) }
            nums.append(num)
        }
        if let alarm = draft.alarm, let id = try s.int("SELECT id FROM accidents WHERE alarm_id = ?", [alarm]) {
            return .alreadyProposed(id: id)
        }
        let id = try s.int("""
            INSERT INTO accidents(device_num, occurred_at, place, deaths, serious_injuries, loss_cny, special_case, summary, class, status,
                                  report_due_at, reported_at, reported_by, alarm_id, incident_id, recorded_by, recorded_at, updated_at)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id
            """, [nums[0], r.occurredAt, r.place, Int64(r.deaths), Int64(r.seriousInjuries), r.lossCny, r.specialCase, r.summary, draft.class,
                  draft.status, draft.reportDueAt, draft.reportedAt, draft.reportedBy, draft.alarm, draft.incident, draft.recordedBy, draft.recordedAt,
                  draft.recordedAt]) ?? 0
        for (position, num) in nums.enumerated() {
            try s.execute("INSERT INTO accident_devices(accident_id, position, device_num) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                          [id, Int64(position), num])
        }
        try insertChange(.accident, deviceNum: nums[0], at: draft.recordedAt, payload: AccidentDraft.changePayload(id: id, draft.class, draft.status, device: r.devices[0]), s)
        return .recorded(id: id)
    }

    public func updateAccident(_ id: Int64, _ u: AccidentUpdate, scope: Role) throws(StoreError) -> AccidentItem? {
        var c = Conditions([("a.id = ?", id)])
        c.scope(scope)
        let found = try write("update accident \(id)") { s throws(StoreError) -> Bool in
            guard let row = try s.row("SELECT a.device_num, d.id AS device FROM accidents a JOIN devices d ON d.num = a.device_num \(c.sql) FOR UPDATE OF a",
                                      c.arguments) else { return false }
            guard let now = try s.row("""
                UPDATE accidents SET status = COALESCE(?::TEXT, status), deaths = COALESCE(?::BIGINT, deaths),
                    serious_injuries = COALESCE(?::BIGINT, serious_injuries), loss_cny = COALESCE(?::BIGINT, loss_cny),
                    cause = COALESCE(?::TEXT, cause), findings = COALESCE(?::TEXT, findings), class = COALESCE(?::TEXT, class),
                    reported_at = CASE WHEN ?::TEXT = 'reported' AND reported_at IS NULL THEN ?::BIGINT ELSE reported_at END,
                    reported_by = CASE WHEN ?::TEXT = 'reported' AND reported_by IS NULL THEN ?::TEXT ELSE reported_by END,
                    updated_at = GREATEST(?::BIGINT, updated_at + 1), audit_seq = NULL
                WHERE id = ? RETURNING class, status
                """, [u.status, u.deaths.map(Int64.init), u.seriousInjuries.map(Int64.init), u.lossCny, u.cause, u.findings, u.class,
                      u.status, u.at, u.status, u.by, u.at, id]),
                let cls = now.text("class").flatMap(AccidentClass.init(rawValue:)),
                let status = now.text("status").flatMap(AccidentStatus.init(rawValue:)) else { return false }
            try Self.insertChange(.accident, deviceNum: try row.int(required: "device_num"), at: u.at,
                                  payload: AccidentDraft.changePayload(id: id, cls, status, device: try row.text(required: "device")), s)
            return true
        }
        guard found else { return nil }
        return try accident(id, scope: scope, now: u.at)
    }

    public func heldPassengers(firedBy: Int64, types: [String]) throws(StoreError) -> [HeldPassengers] {
        guard !types.isEmpty else { return [] }
        return try query("read held passengers") { s in
            try s.rows("""
                SELECT r.alarm_id, r.device_num, d.id AS device, d.type, d.site, r.firm, d.owner, r.fired_at, a.incident_id
                FROM rescues r JOIN devices d ON d.num = r.device_num LEFT JOIN alarms a ON a.id = r.alarm_id
                WHERE r.resolved_at IS NULL AND r.fired_at <= ? AND d.type IN (\(types.map { _ in "?" }.joined(separator: ",")))
                  AND NOT EXISTS (SELECT 1 FROM accidents x WHERE x.alarm_id = r.alarm_id)
                ORDER BY r.fired_at
                """, [firedBy] + types.map { $0 as any SQLBindable }).map { row throws(StoreError) in
                HeldPassengers(alarmId: try row.int(required: "alarm_id"), deviceNum: try row.int(required: "device_num"),
                               device: try row.text(required: "device"), type: try row.text(required: "type"), site: try row.text(required: "site"),
                               firm: try row.text(required: "firm"), owner: try row.text(required: "owner"), firedAt: try row.int(required: "fired_at"),
                               incidentId: row.int("incident_id"))
            }
        }
    }

    public func proposeAccident(_ held: HeldPassengers, _ draft: AccidentDraft, message: OutboxMessage) throws(StoreError) -> Int64? {
        try write("propose accident for alarm \(held.alarmId)") { s throws(StoreError) -> Int64? in
            guard try s.int("SELECT 1 FROM rescues WHERE alarm_id = ? AND resolved_at IS NULL FOR UPDATE", [held.alarmId]) != nil,
                  case .recorded(let id) = try Self.insertAccident(draft, scope: .supervisor, s) else { return nil }
            if let incident = held.incidentId {
                try Self.timeline(s, incident: incident, at: draft.recordedAt, kind: "accident_proposed", detail: message.payload)
            }
            try Self.insertOutbox(message, at: draft.recordedAt, s)
            return id
        }
    }

    public func accidentCounts(by dimension: AccidentDimension, from: Int64, to: Int64, scope: Role) throws(StoreError) -> [AccidentCountItem] {
        let key = switch dimension {
        case .class: "a.class"
        case .type: "d.type"
        case .cause: "COALESCE(a.cause, 'under_investigation')"
        }
        var c = Conditions([("a.occurred_at >= ?", from), ("a.occurred_at < ?", to)])
        c.add("a.status NOT IN ('proposed', 'dismissed')")
        c.scope(scope)
        return try rows(AccidentCountItem.self, """
            SELECT \(key) AS key, COUNT(*) AS accidents, SUM(a.deaths)::BIGINT AS deaths, SUM(a.serious_injuries)::BIGINT AS serious_injuries,
                   SUM(a.loss_cny)::BIGINT AS loss_cny
            FROM accidents a JOIN devices d ON d.num = a.device_num \(c.sql) GROUP BY 1 ORDER BY accidents DESC, key
            """, c.arguments)
    }
}
