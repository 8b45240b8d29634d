import Domain
import GRDB

/// A registered device with what inspection planning needs beside the registry entry.
public struct InspectionInput: Sendable {
    public let record: DeviceRecord
    public let grade: Grade?
    public let siteName: String?
}

extension Store {
    /// Every device within `scope`, with its current risk grade and site name, by id. The scope
    /// is part of the query, like every other answer's.
    public func inspectionInputs(scope: Role = .supervisor) throws(StoreError) -> [InspectionInput] {
        var c = Conditions()
        c.scope(scope)
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
                    out.append(InspectionInput(record: try Self.deviceRecord(row), grade: grade.flatMap(Grade.init(rawValue:)),
                                               siteName: row["site_name"]))
                }
                return out
            }
        } catch {
            throw StoreError(operation: "reading devices for inspection planning", error)
        }
    }
}
