import Domain
import Records
import GRDB

extension SQLiteStore {
    /// Every device within `scope`, with its current risk grade and site name, by id. The scope
    /// is part of the query, like every other answer's.
    public func inspectionInputs(scope: Role = .supervisor) throws(StoreError) -> [InspectionInput] {
        var c = Conditions()
        c.scope(scope)
        let days = localDays
        do {
            return try pool.read { db in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT \(Self.deviceColumns(of: "d")),
                           r.grade AS risk_grade, s.name AS site_name
                    FROM devices d
                    LEFT JOIN device_risk r ON r.device_num = d.num
                    LEFT JOIN sites s ON s.id = d.site
                    \(c.sql) ORDER BY d.id
                    """, arguments: c.arguments)
                var out: [InspectionInput] = []
                while let row = try rows.next() {
                    let grade: String? = row["risk_grade"]
                    out.append(InspectionInput(record: try Self.deviceRecord(row, days: days), grade: grade.flatMap(Grade.init(rawValue:)),
                                               siteName: row["site_name"]))
                }
                return out
            }
        } catch {
            throw StoreError(operation: "reading devices for inspection planning", error)
        }
    }
}

extension InspectionResult: DatabaseValueConvertible {}
extension InspectionSource: DatabaseValueConvertible {}

extension SQLiteStore {
    /// Keeps an inspection result of the registered device `deviceNum`; returns its id. The
    /// caller has checked the kind and grade against the device's type.
    /// `dueBefore` is the kind's due date before this record (on time: on or before it).
    /// `settle` writes the device's must-not-use status the record leaves, in its transaction.
    public func recordInspection(_ r: InspectionRecord, deviceNum: Int64, dueBefore: Day?, at: Int64,
                                 settle: ComplianceSettler? = nil) throws(StoreError) -> Int64 {
        do {
            return try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO inspections(device_num, kind, date, result, grade, inspector, organisation, report_no,
                                            source, recorded_by, recorded_at, due_before) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                    """, arguments: [deviceNum, r.kind, r.date.description, r.result, r.grade, r.inspector, r.organisation,
                                     r.reportNumber, r.source, r.recordedBy, at, dueBefore?.description])
                let id = db.lastInsertedRowID
                if let settle { _ = try Self.settleCompliance(deviceNum: deviceNum, settle, at: at, db) }
                return id
            }
        } catch {
            throw StoreError(operation: "record inspection", error)
        }
    }

    /// The inspections of one device within `scope`, newest first.
    public func inspectionHistory(device: String, scope: Role = .supervisor) throws(StoreError) -> [InspectionRecordItem] {
        var c = Conditions([("d.id = ?", device)])
        c.scope(scope)
        return try rows(InspectionRecordItem.self, """
            SELECT i.id, d.id AS device, i.kind, i.date, i.result, i.grade, i.inspector, i.organisation, i.report_no,
                   i.source, i.recorded_by, i.recorded_at, i.due_before
            FROM inspections i JOIN devices d ON d.num = i.device_num
            \(c.sql) ORDER BY i.date DESC, i.id DESC
            """, c.arguments)
    }

    /// The newest inspection record, the newest hazard and the count of closed ones: a running
    /// pipeline compares this text to learn of records and hazards written since its snapshot.
    public func complianceRevision() throws(StoreError) -> String {
        do {
            return try pool.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT COALESCE(MAX(id), 0) FROM inspections) AS i, (SELECT COALESCE(MAX(id), 0) FROM device_hazards) AS h,
                           (SELECT COUNT(*) FROM device_hazards WHERE closed_at IS NOT NULL) AS c
                    """)
                return "\(row?["i"] ?? 0)/\(row?["h"] ?? 0)/\(row?["c"] ?? 0)"
            }
        } catch {
            throw StoreError(operation: "read inspections", error)
        }
    }
}
