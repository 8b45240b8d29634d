import Domain
import Foundation
import GRDB

/// A maintenance firm's row (GRDB record: the columns are the coding keys).
public struct FirmRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "firms"
    public var id: String
    public var name: String
    public var grade: String?
    public init(id: String, name: String, grade: String?) {
        self.id = id
        self.name = name
        self.grade = grade
    }
}

/// A site's row.
public struct SiteRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sites"
    public var id: String
    public var name: String
    public var category: String
    public var city: String?
    public var peopleExposed: Int?
    enum CodingKeys: String, CodingKey { case id, name, category, city, peopleExposed = "people_exposed" }
    public init(id: String, name: String, category: String, city: String?, peopleExposed: Int?) {
        self.id = id
        self.name = name
        self.category = category
        self.city = city
        self.peopleExposed = peopleExposed
    }
}

/// A gateway's registry row (its online state is the pipeline's, not the registry's).
public struct GatewayRow: Codable, Sendable, Equatable, FetchableRecord {
    public var id: String
    public var site: String
    public init(id: String, site: String) {
        self.id = id
        self.site = site
    }
}

/// A registered device's row. `lastInspections` and `attributes` are flat JSON objects.
public struct DeviceRow: Codable, Sendable, Equatable, FetchableRecord {
    /// The compact key readings and events use; assigned by the store at the first import.
    public var num: Int64?
    public var id: String
    public var type: String
    public var gateway: String
    public var site: String
    public var owner: String
    public var firm: String
    /// `YYYY-MM-DD`.
    public var commissioned: String
    public var inspectionGrade: Int?
    public var lastInspections: String
    public var attributes: String
    /// Where the registry entry came from (`file:line`).
    public var source: String?
    enum CodingKeys: String, CodingKey {
        case num, id, type, gateway, site, owner, firm, commissioned, inspectionGrade = "inspection_grade"
        case lastInspections = "last_inspections", attributes, source
    }
    public init(num: Int64? = nil, id: String, type: String, gateway: String, site: String, owner: String, firm: String,
                commissioned: String, inspectionGrade: Int?, lastInspections: String, attributes: String, source: String?) {
        self.num = num
        self.id = id
        self.type = type
        self.gateway = gateway
        self.site = site
        self.owner = owner
        self.firm = firm
        self.commissioned = commissioned
        self.inspectionGrade = inspectionGrade
        self.lastInspections = lastInspections
        self.attributes = attributes
        self.source = source
    }
}

/// The whole registry as rows.
public struct RegistryRows: Sendable {
    public var firms: [FirmRow] = []
    public var sites: [SiteRow] = []
    public var gateways: [GatewayRow] = []
    public var devices: [DeviceRow] = []
    public init() {}
}

extension Store {
    /// Upserts firms, sites, gateways and devices in one transaction and returns the number of
    /// devices written. Devices are never deleted here: their history stays queryable.
    @discardableResult
    public func importRegistry(_ rows: RegistryRows, now: Int64) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                for f in rows.firms { try f.upsert(db) }
                for s in rows.sites { try s.upsert(db) }
                for g in rows.gateways {
                    try db.execute(sql: "INSERT INTO gateways(id, site) VALUES (?,?) ON CONFLICT(id) DO UPDATE SET site = excluded.site",
                                   arguments: [g.id, g.site])
                }
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO devices(id, type, gateway, site, owner, firm, commissioned, inspection_grade,
                                        last_inspections, attributes, source, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(id) DO UPDATE SET type = excluded.type, gateway = excluded.gateway, site = excluded.site,
                        owner = excluded.owner, firm = excluded.firm, commissioned = excluded.commissioned,
                        inspection_grade = excluded.inspection_grade, last_inspections = excluded.last_inspections,
                        attributes = excluded.attributes, source = excluded.source, updated_at = excluded.updated_at
                    """)
                for d in rows.devices {
                    try upsert.execute(arguments: [
                        d.id, d.type, d.gateway, d.site, d.owner, d.firm, d.commissioned, d.inspectionGrade,
                        d.lastInspections, d.attributes, d.source, now,
                    ])
                }
                return rows.devices.count
            }
        } catch {
            throw StoreError(operation: "device import", error)
        }
    }

    /// The registered firms, sites, gateways and devices (devices in `num` order).
    public func registryRows() throws(StoreError) -> RegistryRows {
        do {
            return try pool.read { db in
                var rows = RegistryRows()
                rows.firms = try FirmRow.fetchAll(db)
                rows.sites = try SiteRow.fetchAll(db)
                rows.gateways = try GatewayRow.fetchAll(db, sql: "SELECT id, site FROM gateways")
                rows.devices = try DeviceRow.fetchAll(db, sql: """
                    SELECT num, id, type, gateway, site, owner, firm, commissioned, inspection_grade, last_inspections, attributes, source
                    FROM devices ORDER BY num
                    """)
                return rows
            }
        } catch {
            throw StoreError(operation: "loading the device registry", error)
        }
    }

    /// The persisted per-device state, so sequence checking continues across restarts.
    public func loadDeviceStates() throws(StoreError) -> [Int64: DeviceStateUpdate] {
        do {
            return try pool.read { db in
                var states: [Int64: DeviceStateUpdate] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT device_num, seq_highest, seq_seen, last_ts, last_received_at, messages, duplicates FROM device_state")
                while let row = try rows.next() {
                    let highest: Int64? = row["seq_highest"]
                    let seen: Int64? = row["seq_seen"]
                    var u = DeviceStateUpdate(lastTs: row["last_ts"], lastReceivedAt: row["last_received_at"],
                                              messages: row["messages"], duplicates: row["duplicates"])
                    if let highest, let seen {
                        u.sequence = SequenceState(highest: UInt64(bitPattern: highest), seen: UInt64(bitPattern: seen))
                    }
                    states[row["device_num"]] = u
                }
                return states
            }
        } catch {
            throw StoreError(operation: "loading device state", error)
        }
    }
}
