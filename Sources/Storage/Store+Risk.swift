import Domain
import Records
import Foundation
import GRDB

extension SQLiteStore {
    /// Each device's risk history, in three queries per thousand devices.
    public func riskHistories(_ devices: [Int64], alarmsSince: Int64, gapsSince: Int64) throws(StoreError) -> [Int64: RiskHistory] {
        guard !devices.isEmpty else { return [:] }
        do {
            return try pool.read { db in
                var out: [Int64: RiskHistory] = [:]
                var start = 0
                while start < devices.count {
                    let chunk = Array(devices[start..<min(devices.count, start + 1000)])
                    start += chunk.count
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let nums = chunk.map { $0 as any DatabaseValueConvertible }
                    for row in try Row.fetchAll(db, sql: "SELECT device_num, severity, fired_at, incident_id FROM alarms WHERE device_num IN (\(marks)) AND fired_at >= ?",
                                                arguments: StatementArguments(nums + [alarmsSince])) {
                        let incident: Int64? = row["incident_id"]
                        out[row["device_num"], default: RiskHistory()].alarms.append((severity: row["severity"], firedAt: row["fired_at"], incident: incident != nil))
                    }
                    for row in try Row.fetchAll(db, sql: """
                        SELECT device_num, COUNT(*) AS n FROM notices
                        WHERE device_num IN (\(marks)) AND kind = 'maintenance_overdue' AND status != 'closed' GROUP BY device_num
                        """, arguments: StatementArguments(nums)) {
                        out[row["device_num"], default: RiskHistory()].maintenanceOverdue = row["n"]
                    }
                    for row in try Row.fetchAll(db, sql: """
                        SELECT device_num, COUNT(*) AS n FROM events WHERE device_num IN (\(marks)) AND ts >= ? AND code = 'monitoring_gap' GROUP BY device_num
                        """, arguments: StatementArguments(nums + [gapsSince])) {
                        out[row["device_num"], default: RiskHistory()].gaps = row["n"]
                    }
                }
                return out
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
