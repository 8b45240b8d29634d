import DeviceCatalog
import Foundation
import GRDB
import Ingest

extension Store {
    /// Upserts firms, sites, gateways and devices of `fleet` in one transaction and returns the
    /// number of devices written. Devices are never deleted here: their history stays queryable.
    @discardableResult
    public func importFleet(_ fleet: Fleet, now: Int64) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                for f in fleet.firms {
                    try db.execute(sql: "INSERT INTO firms(id, name, grade) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, grade = excluded.grade",
                                   arguments: [f.id, f.name, f.grade])
                }
                for s in fleet.sites {
                    try db.execute(sql: """
                        INSERT INTO sites(id, name, category, city, people_exposed) VALUES (?,?,?,?,?)
                        ON CONFLICT(id) DO UPDATE SET name = excluded.name, category = excluded.category,
                            city = excluded.city, people_exposed = excluded.people_exposed
                        """, arguments: [s.id, s.name, s.category, s.city, s.peopleExposed])
                }
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
                for d in fleet.devices {
                    var inspections = JSONWriter()
                    for (kind, day) in d.lastInspections.sorted(by: { $0.key < $1.key }) { inspections.add(kind, .string(day.description)) }
                    var attributes = JSONWriter()
                    for (name, value) in d.attributes.sorted(by: { $0.key < $1.key }) { attributes.add(name, value) }
                    try upsert.execute(arguments: [
                        d.id, d.type, d.gateway, d.site, d.owner, d.firm, d.commissioned.description, d.inspectionGrade,
                        inspections.finish(), attributes.finish(), d.origin.description, now,
                    ])
                }
                return fleet.devices.count
            }
        } catch {
            throw StoreError.failed(operation: "device import", reason: "\(error)")
        }
    }

    /// Builds the validation snapshot from the registered devices and the given types.
    public func loadDirectory(types: [String: DeviceType]) throws(StoreError) -> DeviceDirectory {
        do {
            return try pool.read { db in
                var devices: [(num: Int64, record: DeviceRecord)] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT num, id, type, gateway, site, owner, firm, commissioned, inspection_grade, last_inspections, attributes, source
                    FROM devices ORDER BY num
                    """)
                while let row = try rows.next() {
                    let attributes = Self.decodeScalars(row["attributes"])
                    let inspections = Self.decodeScalars(row["last_inspections"]).compactMapValues { $0.string.flatMap(Day.init(parsing:)) }
                    let record = DeviceRecord(
                        id: row["id"], type: row["type"], gateway: row["gateway"], site: row["site"], owner: row["owner"],
                        firm: row["firm"], commissioned: Day(parsing: row["commissioned"]) ?? Day(year: 1970, month: 1, day: 1)!,
                        lastInspections: inspections, inspectionGrade: row["inspection_grade"], attributes: attributes,
                        origin: Origin(file: row["source"] ?? "store", line: nil))
                    devices.append((row["num"], record))
                }
                let gateways = try String.fetchAll(db, sql: "SELECT id FROM gateways")
                let firms = try Row.fetchAll(db, sql: "SELECT id, name, grade FROM firms").map {
                    Firm(id: $0["id"], name: $0["name"], grade: $0["grade"])
                }
                let sites = try Row.fetchAll(db, sql: "SELECT id, name, category, city, people_exposed FROM sites").map {
                    Site(id: $0["id"], name: $0["name"], category: $0["category"], city: $0["city"], peopleExposed: $0["people_exposed"])
                }
                return DeviceDirectory(types: types, devices: devices, gateways: gateways, firms: firms, sites: sites)
            }
        } catch {
            throw StoreError.failed(operation: "loading the device registry", reason: "\(error)")
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
            throw StoreError.failed(operation: "loading device state", reason: "\(error)")
        }
    }

    /// Decodes the flat JSON objects the store writes for attributes and inspection dates.
    static func decodeScalars(_ text: String?) -> [String: Scalar] {
        guard let text, case .object(let members)? = try? JSONReader.parse(Array(text.utf8)) else { return [:] }
        var out: [String: Scalar] = [:]
        for m in members {
            switch m.value {
            case .bool(let b): out[m.key] = .bool(b)
            case .string(let s): out[m.key] = .string(s)
            default: if let n = m.value.number { out[m.key] = .number(n) }
            }
        }
        return out
    }
}
