import Domain
import Records
import Foundation
import GRDB

// Firms and sites are GRDB records: their coding keys are the columns.
extension Firm: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "firms"
}

extension Owner: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "owners"
}

extension FillingStation: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stations"
}

extension Site: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sites"
}

extension DistrictLevel: DatabaseValueConvertible {}

extension SQLiteStore {
    /// The content hash of the registry files `run` last imported; nil when none is recorded.
    public func registrySourceHash() throws(StoreError) -> String? {
        do { return try pool.read { db in try String.fetchOne(db, sql: "SELECT hash FROM registry_source WHERE id = 1") } }
        catch { throw StoreError(operation: "read the registry source hash", error) }
    }
}

extension SQLiteStore {
    /// Upserts the fleet's firms, owners, sites, gateways and devices in one transaction and returns the
    /// number of devices written. Devices are never deleted here: their history stays queryable.
    @discardableResult
    public func importFleet(_ fleet: Fleet, now: Int64, sourceHash: String? = nil) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                // The hash of the files imported, or none when imported from elsewhere (a file
                // given to `devices import`): the next `run` then parses its folder again.
                if let sourceHash {
                    try db.execute(sql: "INSERT OR REPLACE INTO registry_source(id, hash, imported_at) VALUES (1, ?, ?)", arguments: [sourceHash, now])
                } else {
                    try db.execute(sql: "DELETE FROM registry_source")
                }
                for f in fleet.firms { try f.upsert(db) }
                for o in fleet.owners { try o.upsert(db) }
                for s in fleet.stations { try s.upsert(db) }
                for s in fleet.sites { try s.upsert(db) }
                for g in fleet.gateways {
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
                // The registry's last inspections are passing records, once each (a record of the
                // same device, kind and date already kept, from any source, is not repeated).
                let seed = try db.cachedStatement(sql: """
                    INSERT INTO inspections(device_num, kind, date, result, source, recorded_by, recorded_at)
                    SELECT d.num, ?, ?, 'pass', 'registry', 'registry', ? FROM devices d WHERE d.id = ?
                      AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.device_num = d.num AND i.kind = ? AND i.date = ?)
                    """)
                for d in fleet.devices {
                    var inspections = JSONWriter()
                    for (kind, day) in d.lastInspections.sorted(by: { $0.key < $1.key }) { inspections.add(kind, .string(day.description)) }
                    var attributes = JSONWriter()
                    for (name, value) in d.attributes.sorted(by: { $0.key < $1.key }) { attributes.add(name, value) }
                    try upsert.execute(arguments: [
                        d.id, d.type, d.gateway, d.site, d.owner, d.firm, d.commissioned.description, d.inspectionGrade,
                        inspections.finish(), attributes.finish(), d.origin.description, now,
                    ])
                    for (kind, day) in d.lastInspections {
                        try seed.execute(arguments: [kind, day.description, now, d.id, kind, day.description])
                    }
                }
                return fleet.devices.count
            }
        } catch {
            throw StoreError(operation: "device import", error)
        }
    }

    /// The registered firms, owners, sites, gateways and devices. A device row whose JSON no longer
    /// parses (edited by hand) is an error naming the device, not a device without attributes.
    public func registry() throws(StoreError) -> StoredRegistry {
        let days = localDays
        do {
            return try pool.read { db in
                var r = StoredRegistry()
                r.firms = try Firm.fetchAll(db)
                r.owners = try Owner.fetchAll(db)
                r.sites = try Site.fetchAll(db)
                r.gateways = try String.fetchAll(db, sql: "SELECT id FROM gateways")
                r.stations = try FillingStation.order(Column("id")).fetchAll(db)
                let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.deviceColumns) FROM devices d ORDER BY d.num")
                while let row = try rows.next() { r.devices.append((row["num"], try Self.deviceRecord(row, days: days))) }
                return r
            }
        } catch {
            throw StoreError(operation: "loading the device registry", error)
        }
    }

    /// Calls `body` with every registered device in `num` order, one row at a time: a check of
    /// the whole fleet (compliance, every minute) holds one device's record, not 100 k of them
    /// (the whole registry as records was about 200 MB at 100 k devices). `body` runs inside a
    /// read transaction, so it sees one consistent snapshot and must not write to the store.
    public func forEachRegisteredDevice(_ body: (_ num: Int64, _ record: DeviceRecord) throws -> Void) throws {
        let days = localDays
        do {
            try pool.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.deviceColumns) FROM devices d ORDER BY d.num")
                while let row = try rows.next() { try body(row["num"], try Self.deviceRecord(row, days: days)) }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(operation: "reading the device registry", error)
        }
    }

    /// One registered device with its `num`, or nil; reads one row, not the registry.
    public func registeredDevice(_ id: String) throws(StoreError) -> (num: Int64, record: DeviceRecord)? {
        let days = localDays
        do {
            return try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.deviceColumns) FROM devices d WHERE d.id = ?", arguments: [id]) else {
                    return nil
                }
                return (row["num"], try Self.deviceRecord(row, days: days))
            }
        } catch {
            throw StoreError(operation: "loading device \(id)", error)
        }
    }

    static let deviceColumnNames = ["num", "id", "type", "gateway", "site", "owner", "firm", "commissioned", "inspection_grade",
                                    "last_inspections", "attributes", "source"]
    static let deviceColumns = deviceColumns(of: "d")
    /// The columns `deviceRecord` reads, qualified by the devices table's alias: the registry's
    /// own, and what the inspection records make of it (latest pass per kind, kinds whose
    /// latest result is a failure, the latest recorded safety grade, and since when that grade or worse
    /// has held: `grade_since`).
    static func deviceColumns(of t: String) -> String {
        deviceColumnNames.map { "\(t).\($0)" }.joined(separator: ", ") + """
            , (SELECT json_group_object(i.kind, i.date) FROM inspections i
               WHERE i.device_num = \(t).num AND i.result = 'pass' AND NOT EXISTS (
                 SELECT 1 FROM inspections j WHERE j.device_num = i.device_num AND j.kind = i.kind AND j.result = 'pass'
                   AND (j.date > i.date OR (j.date = i.date AND j.id > i.id)))) AS passed_inspections
            , (SELECT json_group_object(i.kind, i.date) FROM inspections i
               WHERE i.device_num = \(t).num AND i.result = 'fail' AND NOT EXISTS (
                 SELECT 1 FROM inspections j WHERE j.device_num = i.device_num AND j.kind = i.kind
                   AND (j.date > i.date OR (j.date = i.date AND j.id > i.id)))) AS failed_inspections
            , (SELECT i.grade FROM inspections i WHERE i.device_num = \(t).num AND i.grade IS NOT NULL
               ORDER BY i.date DESC, i.id DESC LIMIT 1) AS recorded_grade
            , (SELECT MIN(i.date) FROM inspections i WHERE i.device_num = \(t).num AND i.grade IS NOT NULL
               AND i.grade >= (SELECT l.grade FROM inspections l WHERE l.device_num = i.device_num AND l.grade IS NOT NULL
                               ORDER BY l.date DESC, l.id DESC LIMIT 1) AND NOT EXISTS (
                 SELECT 1 FROM inspections j WHERE j.device_num = i.device_num AND j.grade IS NOT NULL
                   AND (j.date > i.date OR (j.date = i.date AND j.id > i.id))
                   AND j.grade < (SELECT l.grade FROM inspections l WHERE l.device_num = i.device_num AND l.grade IS NOT NULL
                                  ORDER BY l.date DESC, l.id DESC LIMIT 1))) AS grade_since
            , (SELECT json_group_object(rule, raised_at) FROM (
                 SELECT h.rule, MIN(h.raised_at) AS raised_at FROM device_hazards h
                 WHERE h.device_num = \(t).num AND h.closed_at IS NULL GROUP BY h.rule)) AS open_hazards
            """
    }

    /// A device row as a record (`DeviceColumns`), with its inspection records merged in.
    static func deviceRecord(_ row: Row, days local: LocalDays) throws -> DeviceRecord {
        try DeviceColumns(
            num: row["num"], id: row["id"], type: row["type"], gateway: row["gateway"], site: row["site"], owner: row["owner"],
            firm: row["firm"], commissioned: row["commissioned"], inspectionGrade: row["inspection_grade"],
            lastInspections: row["last_inspections"], attributes: row["attributes"], source: row["source"],
            passedInspections: row["passed_inspections"], failedInspections: row["failed_inspections"],
            recordedGrade: row["recorded_grade"], gradeSince: row["grade_since"], openHazards: row["open_hazards"]
        ).record(days: local)
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

extension SQLiteStore {
    /// Every id of `list`, sorted (device types: those registered devices have).
    public func ids(of list: RegistryList) throws(StoreError) -> [String] {
        let sql = switch list {
        case .firms: "SELECT id FROM firms ORDER BY id"
        case .sites: "SELECT id FROM sites ORDER BY id"
        case .owners: "SELECT id FROM owners ORDER BY id"
        case .gateways: "SELECT id FROM gateways ORDER BY id"
        case .types: "SELECT DISTINCT type FROM devices ORDER BY type"
        }
        do { return try pool.read { db in try String.fetchAll(db, sql: sql) } }
        catch { throw StoreError(operation: "read \(list.rawValue)", error) }
    }
}
