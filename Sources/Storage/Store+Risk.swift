import Foundation
import GRDB
import Ingest
import Maintenance
import Risk
import Rules

/// One device's newly computed grade, ready to be stored.
public struct RiskUpdate: Sendable {
    public let deviceNum: Int64
    public let device: String
    public let type: String
    public let grade: RiskGrade
    /// The grade before (nil: first grading).
    public let previous: Grade?
    public let at: Int64
    /// The firm's notice when the device turns red.
    public let notice: NoticeDraft?

    public init(deviceNum: Int64, device: String, type: String, grade: RiskGrade, previous: Grade?, at: Int64, notice: NoticeDraft?) {
        self.deviceNum = deviceNum
        self.device = device
        self.type = type
        self.grade = grade
        self.previous = previous
        self.at = at
        self.notice = notice
    }

    public var changed: Bool { previous != grade.grade }
}

extension Store {
    /// The history a grade reads for one device: alarms that fired since `alarmsSince`, open
    /// overdue-maintenance notices, and monitoring gaps since `gapsSince`.
    public func riskHistory(deviceNum: Int64, alarmsSince: Int64, gapsSince: Int64) throws(StoreError)
        -> (alarms: [RiskInputs.AlarmRecord], maintenanceOverdue: Int, gaps: Int) {
        do {
            return try pool.read { db in
                let alarms = try Row.fetchAll(db, sql: """
                    SELECT severity, fired_at, incident_id FROM alarms WHERE device_num = ? AND fired_at >= ?
                    """, arguments: [deviceNum, alarmsSince]).map {
                    RiskInputs.AlarmRecord(severity: $0["severity"], firedAt: $0["fired_at"], incident: ($0["incident_id"] as Int64?) != nil)
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
            throw StoreError.failed(operation: "read risk history", reason: "\(error)")
        }
    }

    /// Current grades and when they were computed, by device.
    public func currentRisk() throws(StoreError) -> [Int64: (grade: Grade, computedAt: Int64)] {
        do {
            return try pool.read { db in
                var out: [Int64: (grade: Grade, computedAt: Int64)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT device_num, grade, computed_at FROM device_risk") {
                    if let g = Grade(rawValue: row["grade"]) { out[row["device_num"]] = (g, row["computed_at"]) }
                }
                return out
            }
        } catch {
            throw StoreError.failed(operation: "read current grades", reason: "\(error)")
        }
    }

    /// Stores grades in one transaction. Every grade replaces the device's current one; a
    /// change of grade is also kept in the history, stored as a `risk_grade_changed` event, and
    /// a change to red notifies the firm and the supervisors' feed through the outbox.
    public func record(risk updates: [RiskUpdate], topicPrefix: String) throws(StoreError) {
        guard !updates.isEmpty else { return }
        do {
            try pool.write { db in
                for u in updates {
                    let g = u.grade
                    let factors = g.factorsJSON
                    try db.execute(sql: """
                        INSERT INTO device_risk(device_num, grade, score, likelihood, exposure, consequence, factors, model, computed_at, since)
                        VALUES (?,?,?,?,?,?,?,?,?,?)
                        ON CONFLICT(device_num) DO UPDATE SET grade = excluded.grade, score = excluded.score,
                            likelihood = excluded.likelihood, exposure = excluded.exposure, consequence = excluded.consequence,
                            factors = excluded.factors, model = excluded.model, computed_at = excluded.computed_at,
                            since = CASE WHEN device_risk.grade = excluded.grade THEN device_risk.since ELSE excluded.since END
                        """, arguments: [u.deviceNum, g.grade.rawValue, g.score, g.likelihood, g.exposure, g.consequence, factors, g.model, u.at, u.at])
                    guard u.changed else { continue }
                    try db.execute(sql: """
                        INSERT INTO risk_grades(device_num, at, grade, previous, score, likelihood, exposure, consequence, factors, model)
                        VALUES (?,?,?,?,?,?,?,?,?,?)
                        """, arguments: [u.deviceNum, u.at, g.grade.rawValue, u.previous?.rawValue, g.score, g.likelihood, g.exposure,
                                         g.consequence, factors, g.model])
                    let historyId = db.lastInsertedRowID
                    var w = JSONWriter()
                    w.add("grade", .string(g.grade.rawValue))
                    w.add("previous", u.previous.map { .string($0.rawValue) } ?? .string(""))
                    w.add("score", .number(g.score))
                    w.add("model", .string(g.model))
                    w.add("history", historyId)
                    try Self.insertDerived([DerivedEvent(deviceNum: u.deviceNum, ts: u.at, code: "risk_grade_changed", data: w.finish(), receivedAt: u.at)], db)
                    guard g.grade == .red, let notice = u.notice else { continue }
                    _ = try Self.insertNotice(notice, prefix: topicPrefix, db)
                    var feed = JSONWriter()
                    feed.add("transition", .string("risk_red"))
                    feed.add("risk_grade", historyId)
                    feed.add("at", .string(Timestamp.format(u.at)))
                    feed.add("device", .string(u.device))
                    feed.add("type", .string(u.type))
                    feed.add("grade", .string(g.grade.rawValue))
                    feed.add("previous", u.previous.map { .string($0.rawValue) } ?? .string(""))
                    feed.add("score", .number(g.score))
                    feed.add("model", .string(g.model))
                    feed.add("factors", raw: factors)
                    try db.execute(sql: "INSERT INTO outbox(topic, payload, created_at) VALUES (?,?,?)",
                                   arguments: [AlarmFeed.topic(prefix: topicPrefix, type: u.type), feed.finish(), u.at])
                }
            }
        } catch {
            throw StoreError.failed(operation: "record risk grades", reason: "\(error)")
        }
    }
}
