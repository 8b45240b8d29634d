import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// Writes what the rules decided, in the commit's transaction: alarm rows (engine-owned
    /// columns only, so an acknowledgement is never overwritten), incidents and their timelines,
    /// persisted rule state and outbox messages.
    static func insertRuleResults(_ batch: CommitBatch, _ db: Database) throws {
        if !batch.alarms.isEmpty {
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO alarms(id, device_num, type, rule, family, pack, severity, state, started_at, fired_at,
                                   resolved_at, repeats, last_at, message, message_zh, inputs, incident_id)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET
                    rule = excluded.rule, pack = excluded.pack, severity = excluded.severity, state = excluded.state,
                    fired_at = excluded.fired_at, resolved_at = excluded.resolved_at, repeats = excluded.repeats,
                    last_at = excluded.last_at, message = excluded.message, message_zh = excluded.message_zh, inputs = excluded.inputs,
                    incident_id = excluded.incident_id
                """)
            for write in batch.alarms {
                let change = write.change
                let a = change.alarm
                if change.transition == .cancelled {
                    try db.execute(sql: "DELETE FROM alarms WHERE id = ?", arguments: [a.id])
                    continue
                }
                try upsert.execute(arguments: [
                    a.id, a.deviceNum, a.type, a.rule, a.family, a.pack, a.severity.rawValue, a.state.rawValue, a.startedAt,
                    a.firedAt, a.resolvedAt, a.repeats, a.lastAt, a.message, a.messageZh, a.inputs, a.incidentId,
                ])
                if let payload = write.payload { try insertChange(.alarm, deviceNum: a.deviceNum, at: change.at, payload: payload, db) }
                if change.transition == .resolved, let resolvedAt = a.resolvedAt {
                    try db.execute(sql: "UPDATE rescues SET resolved_at = ? WHERE alarm_id = ? AND resolved_at IS NULL",
                                   arguments: [resolvedAt, a.id])
                }
                guard let incident = a.incidentId else { continue }
                let at = change.at
                if change.opensIncident {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO incidents(id, alarm_id, device_num, type, site, rule, pack, severity, status,
                                                        opened_at, title, title_zh, inputs)
                        VALUES (?,?,?,?,?,?,?,?,'open',?,?,?,?)
                        """, arguments: [incident, a.id, a.deviceNum, a.type, a.site, a.rule, a.pack, a.severity.rawValue,
                                         at, a.message, a.messageZh, a.inputs])
                }
                switch change.transition {
                case .raised, .escalated, .resolved:
                    try db.execute(sql: "UPDATE incidents SET severity = ?, status = ?, resolved_at = ? WHERE id = ?",
                                   arguments: [a.severity.rawValue, a.state == .resolved ? "resolved" : "open", a.resolvedAt, incident])
                    try timeline(db, incident: incident, at: at, kind: change.opensIncident ? "opened" : change.transition.rawValue,
                                 detail: write.payload ?? "{}")
                default:
                    break
                }
            }
        }
        if !batch.ruleStates.isEmpty {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO rule_state(device_num, state, updated_at) VALUES (?,?,?)
                ON CONFLICT(device_num) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                """)
            for (num, state) in batch.ruleStates { try upsert.execute(arguments: [num, Data(state), now]) }
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for m in batch.outbox { try insertOutbox(m, at: now, db) }
    }

    /// Queues one message for the outbox publisher (same transaction as the change behind it).
    static func insertOutbox(_ m: OutboxMessage, at: Int64, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO outbox(topic, payload, created_at) VALUES (?,?,?)", arguments: [m.topic, m.payload, at])
    }

    /// Closes the rescue notice of alarm `?` when the firm reports itself on site (arguments: who,
    /// at, at, alarm id); its acknowledgement, if it had none, is the arrival.
    static let closeRescueNotice = """
        UPDATE notices SET acked_by = COALESCE(acked_by, ?), acked_at = COALESCE(acked_at, ?), status = 'closed', closed_at = ?
        WHERE id = (SELECT notice_id FROM rescues WHERE alarm_id = ?) AND status != 'closed'
        """

    static func timeline(_ db: Database, incident: Int64, at: Int64, kind: String, detail: String) throws {
        try db.execute(sql: "INSERT INTO incident_timeline(incident_id, at, kind, detail) VALUES (?,?,?,?)",
                       arguments: [incident, at, kind, detail])
    }

    /// Acknowledges an alarm (who, when), with a timeline entry on its incident and the
    /// `acknowledged` message `feed` builds for the alarm feed, in one transaction.
    /// Acknowledging twice keeps the first. `onSite` says the firm is with the trapped
    /// passengers: it stops the alarm's rescue clock (kept once, even after a plain acknowledgement).
    public func acknowledge(alarm id: Int64, by who: String, at: Int64, onSite: Bool = false,
                            feed: (_ alarm: Alarm) -> OutboxMessage) throws(StoreError) -> AckResult {
        do {
            return try pool.write { db in
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT a.*, d.id AS device, d.site, d.firm FROM alarms a JOIN devices d ON d.num = a.device_num WHERE a.id = ?
                    """, arguments: [id]) else { return .notFound }
                if onSite {
                    try db.execute(sql: "UPDATE rescues SET on_site_at = ?, on_site_by = ? WHERE alarm_id = ? AND on_site_at IS NULL",
                                   arguments: [at, who, id])
                    if db.changesCount == 1 {
                        if let incident: Int64 = row["incident_id"] {
                            var w = JSONWriter()
                            w.add("on_site_by", .string(who))
                            w.add("at", .string(Timestamp.format(at)))
                            try Self.timeline(db, incident: incident, at: at, kind: "on_site", detail: w.finish())
                        }
                        // The firm is there: its rescue notice is done.
                        try db.execute(sql: Self.closeRescueNotice, arguments: [who, at, at, id])
                    }
                }
                if let by: String = row["acked_by"] { return .alreadyAcknowledged(by: by, at: row["acked_at"]) }
                try db.execute(sql: "UPDATE alarms SET acked_by = ?, acked_at = ? WHERE id = ?", arguments: [who, at, id])
                let alarm = Self.alarm(row)
                let message = feed(alarm)
                if let incident = alarm.incidentId {
                    try Self.timeline(db, incident: incident, at: at, kind: "acknowledged", detail: message.payload)
                }
                try Self.insertOutbox(message, at: at, db)
                try Self.insertChange(.alarm, deviceNum: alarm.deviceNum, at: at, payload: message.payload, db)
                return .acknowledged
            }
        } catch {
            throw StoreError(operation: "acknowledge alarm \(id)", error)
        }
    }

    static func alarm(_ row: Row) -> Alarm {
        Alarm(id: row["id"], deviceNum: row["device_num"], device: row["device"], type: row["type"], site: row["site"],
              firm: row["firm"], rule: row["rule"], family: row["family"], pack: row["pack"],
              severity: Severity(rawValue: row["severity"]) ?? .info, state: Alarm.State(rawValue: row["state"]) ?? .firing,
              startedAt: row["started_at"], firedAt: row["fired_at"], resolvedAt: row["resolved_at"], repeats: row["repeats"],
              lastAt: row["last_at"], message: row["message"], inputs: row["inputs"], incidentId: row["incident_id"])
    }

    // MARK: Engine start-up

    /// What the rule engine needs to resume: persisted state, known layouts and the next ids.
    public func ruleEngineResume() throws(StoreError) -> RuleResume {
        do {
            return try pool.read { db in
                var states: [(device: Int64, state: [UInt8])] = []
                let rows = try Row.fetchCursor(db, sql: "SELECT device_num, state FROM rule_state")
                while let row = try rows.next() {
                    let data: Data = row["state"]
                    states.append((row["device_num"], [UInt8](data)))
                }
                var layouts: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT hash, layout FROM rule_layouts") { layouts[row["hash"]] = row["layout"] }
                let alarm = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM alarms") ?? 0
                let incident = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM incidents") ?? 0
                return RuleResume(states: states, layouts: layouts, nextAlarmId: alarm + 1, nextIncidentId: incident + 1)
            }
        } catch {
            throw StoreError(operation: "load rule state", error)
        }
    }

    /// Records a loaded rule set: each pack's text by its hash (what alarms cite) and each
    /// type's slot layout (so state written now can be mapped by a later layout).
    /// `packs` are kept by content hash, `layouts` (JSON) by layout hash.
    public func record(packs: [(hash: String, file: String, rules: Int, content: String)],
                       layouts: [(hash: String, type: String, layout: String)]) throws(StoreError) {
        do {
            try pool.write { db in
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                for p in packs {
                    try db.execute(sql: "INSERT OR IGNORE INTO rule_packs(hash, file, rules, content, first_loaded_at) VALUES (?,?,?,?,?)",
                                   arguments: [p.hash, p.file, p.rules, p.content, now])
                }
                for l in layouts {
                    try db.execute(sql: "INSERT OR IGNORE INTO rule_layouts(hash, type, layout) VALUES (?,?,?)",
                                   arguments: [l.hash, l.type, l.layout])
                }
            }
        } catch {
            throw StoreError(operation: "record rule packs", error)
        }
    }

    // MARK: Outbox

    /// The oldest outbox messages with an id above `after`.
    public func outbox(after: Int64, limit: Int) throws(StoreError) -> [(id: Int64, topic: String, payload: String)] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                                 arguments: [after, limit]).map { ($0["id"], $0["topic"], $0["payload"]) }
            }
        } catch {
            throw StoreError(operation: "read outbox", error)
        }
    }

    /// Deletes outbox messages the broker acknowledged.
    public func deleteOutbox(_ ids: [Int64]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        do {
            try pool.write { db in
                let s = try db.cachedStatement(sql: "DELETE FROM outbox WHERE id = ?")
                for id in ids { try s.execute(arguments: [id]) }
            }
        } catch {
            throw StoreError(operation: "delete from outbox", error)
        }
    }
}
