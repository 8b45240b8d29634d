import Domain
import Records
import Foundation

extension PostgresStore {
    /// The last state of each device, in the order they came: one multi-row upsert may not
    /// touch a row twice.
    static func latestPerDevice<S>(_ states: [(device: Int64, state: S)]) -> [(device: Int64, state: S)] {
        var at: [Int64: Int] = [:]
        var out: [(device: Int64, state: S)] = []
        for entry in states {
            if let i = at[entry.device] { out[i] = entry } else {
                at[entry.device] = out.count
                out.append(entry)
            }
        }
        return out
    }

    /// An outbox message, written at the transaction's end (`SQLSession.follow`).
    static func insertOutbox(_ m: OutboxMessage, at: Int64, _ s: SQLSession) throws(StoreError) {
        s.follow(outbox: m.topic, payload: m.payload, at: at)
    }

    static func timeline(_ s: SQLSession, incident: Int64, at: Int64, kind: String, detail: String) throws(StoreError) {
        try s.execute("INSERT INTO incident_timeline(incident_id, at, kind, detail) VALUES (?,?,?,?)", [incident, at, kind, detail])
    }

    /// A change for the stream in the caller's transaction, written at its end (`SQLSession.follow`) with the device's firm and owner then.
    static func insertChange(_ kind: ChangeKind, deviceNum: Int64, at: Int64, payload: String, _ s: SQLSession) throws(StoreError) {
        s.follow(change: kind, deviceNum: deviceNum, at: at, payload: payload)
    }

    public func acknowledge(alarm id: Int64, by who: String, at: Int64, onSite: Bool,
                            feed: (_ alarm: Alarm) -> OutboxMessage) throws(StoreError) -> AckResult {
        try write("acknowledge alarm \(id)") { s in
            guard let row = try s.row("""
                SELECT a.*, d.id AS device, d.site, d.firm FROM alarms a JOIN devices d ON d.num = a.device_num WHERE a.id = ? FOR UPDATE OF a
                """, [id]) else { return .notFound }
            if onSite {
                let changed = try s.execute("UPDATE rescues SET on_site_at = ?, on_site_by = ? WHERE alarm_id = ? AND on_site_at IS NULL", [at, who, id])
                if changed == 1 {
                    if let incident = row.int("incident_id") {
                        var w = JSONWriter()
                        w.add("on_site_by", .string(who))
                        w.add("at", .string(Timestamp.format(at)))
                        try Self.timeline(s, incident: incident, at: at, kind: "on_site", detail: w.finish())
                    }
                    // The firm is there: its rescue notice is done; its acknowledgement, if it had none, is the arrival.
                    try s.execute("""
                        UPDATE notices SET acked_by = COALESCE(acked_by, ?), acked_at = COALESCE(acked_at, ?), status = 'closed', closed_at = ?
                        WHERE id = (SELECT notice_id FROM rescues WHERE alarm_id = ?) AND status != 'closed'
                        """, [who, at, at, id])
                }
            }
            if let by = row.text("acked_by") { return .alreadyAcknowledged(by: by, at: row.int("acked_at") ?? 0) }
            try s.execute("UPDATE alarms SET acked_by = ?, acked_at = ? WHERE id = ?", [who, at, id])
            let alarm = try Self.alarm(row)
            let message = feed(alarm)
            if let incident = alarm.incidentId { try Self.timeline(s, incident: incident, at: at, kind: "acknowledged", detail: message.payload) }
            try Self.insertOutbox(message, at: at, s)
            try Self.insertChange(.alarm, deviceNum: alarm.deviceNum, at: at, payload: message.payload, s)
            return .acknowledged
        }
    }

    static func alarm(_ row: SQLRow) throws(StoreError) -> Alarm {
        Alarm(id: try row.int(required: "id"), deviceNum: try row.int(required: "device_num"), device: try row.text(required: "device"),
              type: try row.text(required: "type"), site: try row.text(required: "site"), firm: try row.text(required: "firm"),
              rule: try row.text(required: "rule"), family: try row.text(required: "family"), pack: try row.text(required: "pack"),
              severity: Severity(rawValue: row.text("severity") ?? "") ?? .info, state: Alarm.State(rawValue: row.text("state") ?? "") ?? .firing,
              startedAt: try row.int(required: "started_at"), firedAt: row.int("fired_at"), resolvedAt: row.int("resolved_at"),
              repeats: Int(row.int("repeats") ?? 0), lastAt: try row.int(required: "last_at"), message: try row.text(required: "message"),
              inputs: try row.text(required: "inputs"), incidentId: row.int("incident_id"))
    }

    public func ruleEngineResume() throws(StoreError) -> RuleResume {
        try read("load rule state") { s in
            var states: [(device: Int64, state: [UInt8])] = []
            for row in try s.rows("SELECT device_num, state FROM rule_state") {
                states.append((try row.int(required: "device_num"), row.bytes("state") ?? []))
            }
            var layouts: [String: String] = [:]
            for row in try s.rows("SELECT hash, layout FROM rule_layouts") { layouts[try row.text(required: "hash")] = row.text("layout") }
            let alarm = try s.int("SELECT MAX(id) FROM alarms") ?? 0
            let incident = try s.int("SELECT MAX(id) FROM incidents") ?? 0
            return RuleResume(states: states, layouts: layouts, nextAlarmId: alarm + 1, nextIncidentId: incident + 1)
        }
    }

    public func record(packs: [(hash: String, file: String, rules: Int, content: String)],
                       layouts: [(hash: String, type: String, layout: String)]) throws(StoreError) {
        try write("record rule packs") { s in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for p in packs {
                try s.execute("INSERT INTO rule_packs(hash, file, rules, content, first_loaded_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                              [p.hash, p.file, p.rules, p.content, now])
            }
            for l in layouts {
                try s.execute("INSERT INTO rule_layouts(hash, type, layout) VALUES (?,?,?) ON CONFLICT DO NOTHING", [l.hash, l.type, l.layout])
            }
        }
    }

    public func outbox(after: Int64, limit: Int) throws(StoreError) -> [(id: Int64, topic: String, payload: String)] {
        try query("read outbox") { s in
            try s.rows("SELECT id, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?", [after, limit]).map { row throws(StoreError) in
                (try row.int(required: "id"), try row.text(required: "topic"), try row.text(required: "payload"))
            }
        }
    }

    public func deleteOutbox(_ ids: [Int64]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try write("delete from outbox") { s in
            try s.execute("DELETE FROM outbox WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))", ids)
        }
    }

    // MARK: Changes

    public func changes(after id: Int64, scope role: Role, limit: Int) throws(StoreError) -> [ChangeRow] {
        var c = Conditions([("c.id > ?", id)])
        c.scope(role, table: "c")
        return try rows(ChangeRow.self, "SELECT c.id, c.at, c.kind, c.firm, c.owner, c.payload FROM changes c \(c.sql) ORDER BY c.id LIMIT ?",
                        c.arguments + [limit])
    }

    public func lastChangeId() throws(StoreError) -> Int64 {
        try query("read changes") { s in try s.int("SELECT MAX(id) FROM changes") ?? 0 }
    }

    @discardableResult
    public func pruneChanges(before: Int64) throws(StoreError) -> Int {
        try write("prune changes") { s in try s.execute("DELETE FROM changes WHERE at < ?", [before]) }
    }

    // MARK: Tokens

    public func createToken(name: String, role: Role, hash: String, expiresAt: Int64?, now: Int64) throws(StoreError) -> Int64 {
        try write("create a token") { s in
            try s.int("INSERT INTO api_tokens(name, role, hash, created_at, expires_at) VALUES (?,?,?,?,?) RETURNING id",
                      [name, role.description, hash, now, expiresAt]) ?? 0
        }
    }

    public func tokens() throws(StoreError) -> [TokenItem] {
        try rows(TokenItem.self, "SELECT id, name, role, created_at, expires_at, revoked_at FROM api_tokens ORDER BY id", [])
    }

    public func revokeToken(id: Int64, at now: Int64) throws(StoreError) -> Bool {
        try write("revoke token \(id)") { s in
            try s.execute("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", [now, id]) == 1
        }
    }

    public func validTokens(_ ids: Set<Int64>, now: Int64) throws(StoreError) -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let list = Array(ids)
        return try query("check stream tokens") { s in
            Set(try s.rows("""
                SELECT id FROM api_tokens WHERE id IN (\(Array(repeating: "?", count: list.count).joined(separator: ",")))
                AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                """, list + [now]).compactMap { $0.int("id") })
        }
    }

    public func grant(hash: String, now: Int64) throws(StoreError) -> Result<TokenGrant, TokenRefusal> {
        let row = try query("check a token") { s in
            try s.row("SELECT id, name, role, expires_at, revoked_at FROM api_tokens WHERE hash = ?", [hash])
        }
        guard let row else { return .failure(.unknown) }
        if row.int("revoked_at") != nil { return .failure(.revoked) }
        if let expires = row.int("expires_at"), expires <= now { return .failure(.expired) }
        guard let role = Role(parsing: row.text("role") ?? "") else { return .failure(.badRole) }
        return .success(TokenGrant(id: row.int("id") ?? 0, name: row.text("name") ?? "", role: role))
    }
}
