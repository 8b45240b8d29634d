import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// The history a grade reads for one device: alarms that fired since `alarmsSince`, open
    /// overdue-maintenance notices, and monitoring gaps since `gapsSince`.
    public func riskHistory(deviceNum: Int64, alarmsSince: Int64, gapsSince: Int64) throws(StoreError)
        -> (alarms: [AlarmHistoryEntry], maintenanceOverdue: Int, gaps: Int) {
        do {
            return try pool.read { db in
                let alarms = try Row.fetchAll(db, sql: """
                    SELECT severity, fired_at, incident_id FROM alarms WHERE device_num = ? AND fired_at >= ?
                    """, arguments: [deviceNum, alarmsSince]).map { row -> AlarmHistoryEntry in
                    let severity: String = row["severity"], firedAt: Int64 = row["fired_at"], incident: Int64? = row["incident_id"]
                    return (severity: severity, firedAt: firedAt, incident: incident != nil)
                }
                let overdue = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM notices WHERE device_num = ? AND kind = 'maintenance_overdue' AND status != 'closed'
                    """, arguments: [deviceNum]) ?? 0
                let gaps = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM events WHERE device_num = ? AND ts >= ? AND code = 'monitoring_gap'
                    """, arguments: [deviceNum, gapsSince]) ?? 0
                return (alarms, overdue, gaps)
            }
        } catch {
            throw StoreError(operation: "read risk history", error)
        }
    }

    /// Current grades and when they were computed, by device.
    public func currentRisk() throws(StoreError) -> [Int64: (grade: Grade, computedAt: Int64)] {
        do {
            return try pool.read { db in
                var out: [Int64: (grade: Grade, computedAt: Int64)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT device_num, grade, computed_at FROM device_risk") {
                    // The column only ever holds a grade's raw value; anything else is a corrupt row.
                    guard let g = Grade(rawValue: row["grade"]) else {
                        throw StoreError.failed(operation: "read current grades", reason: "device_risk holds an unknown grade '\(row["grade"] as String)'")
                    }
                    out[row["device_num"]] = (g, row["computed_at"])
                }
                return out
            }
        } catch {
            throw StoreError(operation: "read current grades", error)
        }
    }

    /// Stores grades in one transaction. Every grade replaces the device's current one; a
    /// change of grade is also kept in the history with its event, and a change to red inserts
    /// the firm's notice and queues the supervisors' feed message.
    public func record(grades updates: [GradeWrite], noticeMessage: NoticeMessage?) throws(StoreError) {
        guard !updates.isEmpty else { return }
        do {
            try pool.write { db in
                for u in updates {
                    try db.execute(sql: """
                        INSERT INTO device_risk(device_num, grade, score, likelihood, exposure, consequence, factors, model, computed_at, since)
                        VALUES (?,?,?,?,?,?,?,?,?,?)
                        ON CONFLICT(device_num) DO UPDATE SET grade = excluded.grade, score = excluded.score,
                            likelihood = excluded.likelihood, exposure = excluded.exposure, consequence = excluded.consequence,
                            factors = excluded.factors, model = excluded.model, computed_at = excluded.computed_at,
                            since = CASE WHEN device_risk.grade = excluded.grade THEN device_risk.since ELSE excluded.since END
                        """, arguments: [u.deviceNum, u.grade.rawValue, u.score, u.likelihood, u.exposure, u.consequence, u.factors, u.model, u.at, u.at])
                    guard u.changed else { continue }
                    try db.execute(sql: """
                        INSERT INTO risk_grades(device_num, at, grade, previous, score, likelihood, exposure, consequence, factors, model)
                        VALUES (?,?,?,?,?,?,?,?,?,?)
                        """, arguments: [u.deviceNum, u.at, u.grade.rawValue, u.previous?.rawValue, u.score, u.likelihood, u.exposure,
                                         u.consequence, u.factors, u.model])
                    let historyId = db.lastInsertedRowID
                    let event = u.changeEvent(historyId)
                    try Self.insertDerived([DerivedEvent(deviceNum: u.deviceNum, ts: u.at, code: .riskGradeChanged,
                                                         data: event, receivedAt: u.at)], db)
                    try Self.insertChange(.grade, deviceNum: u.deviceNum, at: u.at, payload: event, db)
                    if let notice = u.notice { _ = try Self.insertNotice(notice, message: noticeMessage, db) }
                    if let feed = u.redFeed { try Self.insertOutbox(feed(historyId), at: u.at, db) }
                }
            }
        } catch {
            throw StoreError(operation: "record risk grades", error)
        }
    }
}
