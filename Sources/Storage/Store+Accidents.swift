import Domain
import Records
import GRDB

extension AccidentClass: DatabaseValueConvertible {}
extension AccidentStatus: DatabaseValueConvertible {}
extension AccidentItem: FetchableRecord {}
extension AccidentCountItem: FetchableRecord {}

extension SQLiteStore {
    /// The columns of `AccidentItem`; the one `?` is `now`, for `report_late`.
    static let accidentColumns = """
        a.id, a.class, a.status, a.occurred_at, d.id AS device,
        (SELECT group_concat(id, ' ') FROM (SELECT d2.id FROM accident_devices x JOIN devices d2 ON d2.num = x.device_num
         WHERE x.accident_id = a.id ORDER BY x.position)) AS devices,
        d.type, d.site, s.name AS site_name, d.owner, d.firm, a.place, a.deaths, a.serious_injuries, a.loss_cny, a.special_case,
        a.summary, a.alarm_id AS alarm, a.incident_id AS incident, a.report_due_at, a.reported_at, a.reported_by,
        CASE WHEN a.status = 'dismissed' THEN 0 WHEN COALESCE(a.reported_at, ?) > a.report_due_at THEN 1 ELSE 0 END AS report_late,
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
        var arguments: StatementArguments = [f.now]
        arguments += c.arguments
        arguments += [f.limit]
        return try rows(AccidentItem.self, "SELECT \(Self.accidentColumns) \(c.sql) ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?", arguments)
    }

    public func accident(_ id: Int64, scope: Role, now: Int64) throws(StoreError) -> AccidentItem? {
        var c = Conditions([("a.id = ?", id)])
        c.scope(scope)
        var arguments: StatementArguments = [now]
        arguments += c.arguments
        return try rows(AccidentItem.self, "SELECT \(Self.accidentColumns) \(c.sql)", arguments).first
    }

    public func recordAccident(_ draft: AccidentDraft, scope: Role) throws(StoreError) -> AccidentRecordResult {
        do {
            return try pool.write { db in try Self.insertAccident(draft, scope: scope, db) }
        } catch {
            throw StoreError(operation: "record accident", error)
        }
    }

    /// Inserts an accident and its devices with a change on the stream; the caller's transaction.
    static func insertAccident(_ draft: AccidentDraft, scope: Role, _ db: Database) throws -> AccidentRecordResult {
        let r = draft.report
        var nums: [Int64] = []
        for device in r.devices {
            var c = Conditions([("d.id = ?", device)])
            c.scope(scope)
            guard let num = try Int64.fetchOne(db, sql: "SELECT d.num FROM devices d \(c.sql)", arguments: c.arguments) else {
                return .unknownDevice(device)
            }
            nums.append(num)
        }
        if let alarm = draft.alarm, let id = try Int64.fetchOne(db, sql: "SELECT id FROM accidents WHERE alarm_id = ?", arguments: [alarm]) {
            return .alreadyProposed(id: id)
        }
        try db.execute(sql: """
            INSERT INTO accidents(device_num, occurred_at, place, deaths, serious_injuries, loss_cny, special_case, summary, class, status,
                                  report_due_at, reported_at, reported_by, alarm_id, incident_id, recorded_by, recorded_at, updated_at)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, arguments: [nums[0], r.occurredAt, r.place, r.deaths, r.seriousInjuries, r.lossCny, r.specialCase, r.summary, draft.class,
                             draft.status, draft.reportDueAt, draft.reportedAt, draft.reportedBy, draft.alarm, draft.incident, draft.recordedBy,
                             draft.recordedAt, draft.recordedAt])
        let id = db.lastInsertedRowID
        for (position, num) in nums.enumerated() {
            try db.execute(sql: "INSERT OR IGNORE INTO accident_devices(accident_id, position, device_num) VALUES (?,?,?)",
                           arguments: [id, position, num])
        }
        try insertChange(.accident, deviceNum: nums[0], at: draft.recordedAt, payload: AccidentDraft.changePayload(id: id, draft.class, draft.status, device: r.devices[0]), db)
        return .recorded(id: id)
    }

    public func updateAccident(_ id: Int64, _ u: AccidentUpdate, scope: Role) throws(StoreError) -> AccidentItem? {
        var c = Conditions([("a.id = ?", id)])
        c.scope(scope)
        do {
            let found = try pool.write { db -> Bool in
                guard let row = try Row.fetchOne(db, sql: "SELECT a.device_num, d.id AS device FROM accidents a JOIN devices d ON d.num = a.device_num \(c.sql)",
                                                 arguments: c.arguments) else { return false }
                try db.execute(sql: """
                    UPDATE accidents SET status = COALESCE(?, status), deaths = COALESCE(?, deaths),
                        serious_injuries = COALESCE(?, serious_injuries), loss_cny = COALESCE(?, loss_cny), cause = COALESCE(?, cause),
                        findings = COALESCE(?, findings), class = COALESCE(?, class),
                        reported_at = CASE WHEN ? = 'reported' AND reported_at IS NULL THEN ? ELSE reported_at END,
                        reported_by = CASE WHEN ? = 'reported' AND reported_by IS NULL THEN ? ELSE reported_by END,
                        updated_at = MAX(?, updated_at + 1), audit_seq = NULL
                    WHERE id = ?
                    """, arguments: [u.status, u.deaths, u.seriousInjuries, u.lossCny, u.cause, u.findings, u.class,
                                     u.status, u.at, u.status, u.by, u.at, id])
                let now = try Row.fetchOne(db, sql: "SELECT class, status FROM accidents WHERE id = ?", arguments: [id])!
                try Self.insertChange(.accident, deviceNum: row["device_num"], at: u.at,
                                      payload: AccidentDraft.changePayload(id: id, now["class"], now["status"], device: row["device"]), db)
                return true
            }
            guard found else { return nil }
        } catch {
            throw StoreError(operation: "update accident \(id)", error)
        }
        return try accident(id, scope: scope, now: u.at)
    }

    public func heldPassengers(firedBy: Int64, types: [String]) throws(StoreError) -> [HeldPassengers] {
        guard !types.isEmpty else { return [] }
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT r.alarm_id, r.device_num, d.id AS device, d.type, d.site, r.firm, d.owner, r.fired_at, a.incident_id
                    FROM rescues r JOIN devices d ON d.num = r.device_num LEFT JOIN alarms a ON a.id = r.alarm_id
                    WHERE r.resolved_at IS NULL AND r.fired_at <= ? AND d.type IN (\(types.map { _ in "?" }.joined(separator: ",")))
                      AND NOT EXISTS (SELECT 1 FROM accidents x WHERE x.alarm_id = r.alarm_id)
                    ORDER BY r.fired_at
                    """, arguments: StatementArguments([firedBy] + types)).map { row in
                    HeldPassengers(alarmId: row["alarm_id"], deviceNum: row["device_num"], device: row["device"], type: row["type"],
                                   site: row["site"], firm: row["firm"], owner: row["owner"], firedAt: row["fired_at"], incidentId: row["incident_id"])
                }
            }
        } catch {
            throw StoreError(operation: "read held passengers", error)
        }
    }

    public func proposeAccident(_ held: HeldPassengers, _ draft: AccidentDraft, message: OutboxMessage) throws(StoreError) -> Int64? {
        do {
            return try pool.write { db -> Int64? in
                guard try Int64.fetchOne(db, sql: "SELECT 1 FROM rescues WHERE alarm_id = ? AND resolved_at IS NULL", arguments: [held.alarmId]) != nil,
                      case .recorded(let id) = try Self.insertAccident(draft, scope: .supervisor, db) else { return nil }
                if let incident = held.incidentId {
                    try Self.timeline(db, incident: incident, at: draft.recordedAt, kind: "accident_proposed", detail: message.payload)
                }
                try Self.insertOutbox(message, at: draft.recordedAt, db)
                return id
            }
        } catch {
            throw StoreError(operation: "propose accident for alarm \(held.alarmId)", error)
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
            SELECT \(key) AS key, COUNT(*) AS accidents, SUM(a.deaths) AS deaths, SUM(a.serious_injuries) AS serious_injuries,
                   SUM(a.loss_cny) AS loss_cny
            FROM accidents a JOIN devices d ON d.num = a.device_num \(c.sql) GROUP BY key ORDER BY accidents DESC, key
            """, c.arguments)
    }
}
