import Domain
import Records
import Foundation

extension PostgresStore {
    public func registrySourceHash() throws(StoreError) -> String? {
        try query("read the registry source hash") { s in try s.text("SELECT hash FROM registry_source WHERE id = 1") }
    }

    /// Upserts the fleet in one transaction and returns the number of devices written. Devices
    /// are never deleted here: their history stays queryable.
    @discardableResult
    public func importFleet(_ fleet: Fleet, now: Int64, sourceHash: String?) throws(StoreError) -> Int {
        try write("device import") { s in
            if let sourceHash {
                try s.execute("""
                    INSERT INTO registry_source(id, hash, imported_at) VALUES (1, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, imported_at = excluded.imported_at
                    """, [sourceHash, now])
            } else {
                try s.execute("DELETE FROM registry_source")
            }
            for f in fleet.firms {
                try s.execute("""
                    INSERT INTO firms(id, name, grade, name_zh) VALUES (?,?,?,?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, grade = excluded.grade, name_zh = excluded.name_zh
                    """, [f.id, f.name, f.grade, f.nameZh])
            }
            for o in fleet.owners {
                try s.execute("INSERT INTO owners(id, name, name_zh) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh",
                              [o.id, o.name, o.nameZh])
            }
            for st in fleet.stations {
                try s.execute("""
                    INSERT INTO stations(id, name, site, licence, gases, gateways, firm) VALUES (?,?,?,?,?,?,?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, site = excluded.site, licence = excluded.licence,
                        gases = excluded.gases, gateways = excluded.gateways, firm = excluded.firm
                    """, [st.id, st.name, st.site, st.licence, Self.jsonList(st.gases), Self.jsonList(st.gateways), st.firm])
            }
            for site in fleet.sites {
                try s.execute("""
                    INSERT INTO sites(id, name, category, city, people_exposed, rescue_within, district, district_level, name_zh)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, category = excluded.category, city = excluded.city,
                        people_exposed = excluded.people_exposed, rescue_within = excluded.rescue_within, district = excluded.district,
                        district_level = excluded.district_level, name_zh = excluded.name_zh
                    """, [site.id, site.name, site.category, site.city, site.peopleExposed, site.rescueWithin, site.district,
                          site.districtLevel, site.nameZh])
            }
            for g in fleet.gateways {
                try s.execute("INSERT INTO gateways(id, site) VALUES (?,?) ON CONFLICT(id) DO UPDATE SET site = excluded.site", [g.id, g.site])
            }
            // Devices and their seeded inspections in multi-row statements: a fleet of 100 k is
            // a few hundred round trips, not a few hundred thousand.
            var devices: [[any SQLBindable]] = []
            var seeds: [[any SQLBindable]] = []
            for d in fleet.devices {
                var inspections = JSONWriter()
                for (kind, day) in d.lastInspections.sorted(by: { $0.key < $1.key }) { inspections.add(kind, .string(day.description)) }
                var attributes = JSONWriter()
                for (name, value) in d.attributes.sorted(by: { $0.key < $1.key }) { attributes.add(name, value) }
                devices.append([d.id, d.type, d.gateway, d.site, d.owner, d.firm, d.commissioned.description, d.inspectionGrade,
                                inspections.finish(), attributes.finish(), d.origin.description, now])
                for (kind, day) in d.lastInspections.sorted(by: { $0.key < $1.key }) { seeds.append([d.id, kind, day.description]) }
            }
            try Self.insertRows("""
                devices(id, type, gateway, site, owner, firm, commissioned, inspection_grade, last_inspections, attributes, source, updated_at)
                """, devices, suffix: """
                ON CONFLICT(id) DO UPDATE SET type = excluded.type, gateway = excluded.gateway, site = excluded.site,
                    owner = excluded.owner, firm = excluded.firm, commissioned = excluded.commissioned,
                    inspection_grade = excluded.inspection_grade, last_inspections = excluded.last_inspections,
                    attributes = excluded.attributes, source = excluded.source, updated_at = excluded.updated_at
                """, s)
            // The registry's last inspections are passing records, once each (a record of the same
            // device, kind and date already kept, from any source, is not repeated).
            try s.eachSlice(seeds) { values in """
                INSERT INTO inspections(device_num, kind, date, result, source, recorded_by, recorded_at)
                SELECT DISTINCT d.num, v.kind, v.date, 'pass', 'registry', 'registry', \(now)
                FROM (VALUES \(values)) AS v(id, kind, date) JOIN devices d ON d.id = v.id
                WHERE NOT EXISTS (SELECT 1 FROM inspections i WHERE i.device_num = d.num AND i.kind = v.kind AND i.date = v.date)
                """ }
            return fleet.devices.count
        }
    }

    static func jsonList(_ items: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(items)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func list(_ text: String?) -> [String] {
        text.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }

    public func registry() throws(StoreError) -> StoredRegistry {
        let days = localDays
        return try read("loading the device registry") { s in
            var r = StoredRegistry()
            r.firms = try s.records(Firm.self, "SELECT id, name, grade, name_zh FROM firms")
            r.owners = try s.records(Owner.self, "SELECT id, name, name_zh FROM owners")
            r.sites = try s.records(Site.self, "SELECT * FROM sites")
            r.gateways = try s.rows("SELECT id FROM gateways").compactMap { $0.text("id") }
            r.stations = try s.rows("SELECT * FROM stations ORDER BY id").map { row throws(StoreError) in
                FillingStation(id: try row.text(required: "id"), name: try row.text(required: "name"), site: try row.text(required: "site"),
                               licence: try row.text(required: "licence"), gases: Self.list(row.text("gases")),
                               gateways: Self.list(row.text("gateways")), firm: try row.text(required: "firm"))
            }
            for row in try s.rows("SELECT \(Self.deviceColumns(of: "d")) FROM devices d ORDER BY d.num") {
                let c = try Self.deviceColumns(row)
                r.devices.append((c.num, try c.record(days: days)))
            }
            return r
        }
    }

    /// Reads the registry in pages of `forEachPage` devices, so a fleet check holds one page's
    /// rows at a time, all from one snapshot.
    public func forEachRegisteredDevice(_ body: (_ num: Int64, _ record: DeviceRecord) throws -> Void) throws {
        let days = localDays
        do {
            try connections.read { s in
                var after = Int64.min
                while true {
                    let rows = try s.rows("SELECT \(Self.deviceColumns(of: "d")) FROM devices d WHERE d.num > ? ORDER BY d.num LIMIT 1000", [after])
                    for row in rows {
                        let c = try Self.deviceColumns(row)
                        try body(c.num, try c.record(days: days))
                        after = c.num
                    }
                    if rows.count < 1000 { break }
                }
            }
        } catch let e as StoreError {
            throw e.named("reading the device registry")
        }
    }

    public func registeredDevice(_ id: String) throws(StoreError) -> (num: Int64, record: DeviceRecord)? {
        let days = localDays
        return try read("loading device \(id)") { s in
            guard let row = try s.row("SELECT \(Self.deviceColumns(of: "d")) FROM devices d WHERE d.id = ?", [id]) else { return nil }
            let c = try Self.deviceColumns(row)
            return (c.num, try c.record(days: days))
        }
    }

    /// The columns `deviceColumns(_:)` reads (see `SQLiteStore.deviceColumns(of:)`, the same
    /// query in SQLite's JSON functions).
    static func deviceColumns(of t: String) -> String {
        """
        \(t).num, \(t).id, \(t).type, \(t).gateway, \(t).site, \(t).owner, \(t).firm, \(t).commissioned, \(t).inspection_grade,
        \(t).last_inspections, \(t).attributes, \(t).source
        , (SELECT json_object_agg(i.kind, i.date)::text FROM inspections i
           WHERE i.device_num = \(t).num AND i.result = 'pass' AND NOT EXISTS (
             SELECT 1 FROM inspections j WHERE j.device_num = i.device_num AND j.kind = i.kind AND j.result = 'pass'
               AND (j.date > i.date OR (j.date = i.date AND j.id > i.id)))) AS passed_inspections
        , (SELECT json_object_agg(i.kind, i.date)::text FROM inspections i
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
        , (SELECT json_object_agg(x.rule, x.raised_at)::text FROM (
             SELECT h.rule, MIN(h.raised_at) AS raised_at FROM device_hazards h
             WHERE h.device_num = \(t).num AND h.closed_at IS NULL GROUP BY h.rule) x) AS open_hazards
        """
    }

    static func deviceColumns(_ row: SQLRow) throws(StoreError) -> DeviceColumns {
        DeviceColumns(
            num: try row.int(required: "num"), id: try row.text(required: "id"), type: try row.text(required: "type"),
            gateway: try row.text(required: "gateway"), site: try row.text(required: "site"), owner: try row.text(required: "owner"),
            firm: try row.text(required: "firm"), commissioned: try row.text(required: "commissioned"),
            inspectionGrade: row.int("inspection_grade").map(Int.init), lastInspections: try row.text(required: "last_inspections"),
            attributes: try row.text(required: "attributes"), source: row.text("source"),
            passedInspections: row.text("passed_inspections"), failedInspections: row.text("failed_inspections"),
            recordedGrade: row.int("recorded_grade").map(Int.init), gradeSince: row.text("grade_since"), openHazards: row.text("open_hazards"))
    }

    public func loadDeviceStates() throws(StoreError) -> [Int64: DeviceStateUpdate] {
        try query("loading device state") { s in
            var states: [Int64: DeviceStateUpdate] = [:]
            for row in try s.rows("SELECT device_num, seq_highest, seq_seen, last_ts, last_received_at, messages, duplicates FROM device_state") {
                var u = DeviceStateUpdate(lastTs: row.int("last_ts"), lastReceivedAt: row.int("last_received_at"),
                                          messages: row.int("messages") ?? 0, duplicates: row.int("duplicates") ?? 0)
                if let highest = row.int("seq_highest"), let seen = row.int("seq_seen") {
                    u.sequence = SequenceState(highest: UInt64(bitPattern: highest), seen: UInt64(bitPattern: seen))
                }
                states[try row.int(required: "device_num")] = u
            }
            return states
        }
    }

    public func ids(of list: RegistryList) throws(StoreError) -> [String] {
        let sql = switch list {
        case .firms: "SELECT id FROM firms ORDER BY id"
        case .sites: "SELECT id FROM sites ORDER BY id"
        case .owners: "SELECT id FROM owners ORDER BY id"
        case .gateways: "SELECT id FROM gateways ORDER BY id"
        case .types: "SELECT DISTINCT type FROM devices ORDER BY type"
        }
        return try query("read \(list.rawValue)") { s in try s.rows(sql).compactMap { $0.values.first?.text } }
    }
}
