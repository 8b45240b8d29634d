import Domain
import Records
import GRDB

extension SQLiteStore {
    /// Rescue clocks past their deadline at `now`, not yet escalated, nobody on site, alarm open.
    public func missedRescues(now: Int64) throws(StoreError) -> [MissedRescue] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT r.alarm_id, r.device_num, d.id AS device, d.type, d.site, r.firm, r.fired_at, r.deadline_at, a.incident_id
                    FROM rescues r JOIN devices d ON d.num = r.device_num LEFT JOIN alarms a ON a.id = r.alarm_id
                    WHERE r.resolved_at IS NULL AND r.on_site_at IS NULL AND r.escalated_at IS NULL AND r.deadline_at <= ?
                    ORDER BY r.deadline_at
                    """, arguments: [now]).map { row in
                    MissedRescue(alarmId: row["alarm_id"], deviceNum: row["device_num"], device: row["device"], type: row["type"],
                                 site: row["site"], firm: row["firm"], firedAt: row["fired_at"], deadlineAt: row["deadline_at"],
                                 incidentId: row["incident_id"])
                }
            }
        } catch {
            throw StoreError(operation: "read rescue deadlines", error)
        }
    }

    /// Records a missed rescue deadline once: the escalation time, a timeline entry on the
    /// incident, the supervisors' stream and the feed message `message` (severity critical), in
    /// one transaction. False when it was escalated, reached or resolved meanwhile.
    public func escalate(_ r: MissedRescue, at now: Int64, message: OutboxMessage) throws(StoreError) -> Bool {
        do {
            return try pool.write { db in
                try db.execute(sql: """
                    UPDATE rescues SET escalated_at = ?
                    WHERE alarm_id = ? AND escalated_at IS NULL AND on_site_at IS NULL AND resolved_at IS NULL
                    """, arguments: [now, r.alarmId])
                guard db.changesCount == 1 else { return false }
                // Alarm and incident rows belong to the rule engine (trapped rules are critical
                // already); the escalation is its own message, timeline entry and record.
                if let incident = r.incidentId {
                    try Self.timeline(db, incident: incident, at: now, kind: "rescue_deadline_missed", detail: message.payload)
                }
                try Self.insertOutbox(message, at: now, db)
                try Self.insertChange(.alarm, deviceNum: r.deviceNum, at: now, payload: message.payload, db)
                return true
            }
        } catch {
            throw StoreError(operation: "escalate rescue of alarm \(r.alarmId)", error)
        }
    }
}
