import DeviceCatalog
import Domain
import Ingest
import Storage

/// The registry in domain terms: a parsed fleet written as rows, and the rows read back as the
/// validation snapshot (`DeviceDirectory`). Storage keeps the rows; this knows what they mean.
extension Store {
    /// Upserts the fleet's firms, sites, gateways and devices in one transaction; returns the
    /// number of devices written.
    @discardableResult
    public func importFleet(_ fleet: Fleet, now: Int64) throws(StoreError) -> Int {
        try importRegistry(RegistryMapping.rows(fleet), now: now)
    }

    /// Builds the validation snapshot from the registered devices and the given types.
    public func loadDirectory(types: [String: DeviceType]) throws(StoreError) -> DeviceDirectory {
        let rows = try registryRows()
        do { return try RegistryMapping.directory(rows, types: types) }
        catch { throw StoreError.failed(operation: "loading the device registry", reason: "\(error)") }
    }
}

/// Fleet ↔ registry rows.
public enum RegistryMapping {
    public static func rows(_ fleet: Fleet) -> RegistryRows {
        var rows = RegistryRows()
        rows.firms = fleet.firms.map { FirmRow(id: $0.id, name: $0.name, grade: $0.grade) }
        rows.sites = fleet.sites.map { SiteRow(id: $0.id, name: $0.name, category: $0.category, city: $0.city, peopleExposed: $0.peopleExposed) }
        rows.gateways = fleet.gateways.map { GatewayRow(id: $0.id, site: $0.site) }
        rows.devices = fleet.devices.map { d in
            var inspections = JSONWriter()
            for (kind, day) in d.lastInspections.sorted(by: { $0.key < $1.key }) { inspections.add(kind, .string(day.description)) }
            var attributes = JSONWriter()
            for (name, value) in d.attributes.sorted(by: { $0.key < $1.key }) { attributes.add(name, value) }
            return DeviceRow(id: d.id, type: d.type, gateway: d.gateway, site: d.site, owner: d.owner, firm: d.firm,
                             commissioned: d.commissioned.description, inspectionGrade: d.inspectionGrade,
                             lastInspections: inspections.finish(), attributes: attributes.finish(), source: d.origin.description)
        }
        return rows
    }

    /// The validation snapshot. Rows were written by `rows(_:)`; one whose JSON no longer
    /// parses (edited by hand) is an error naming the device, not a device without attributes.
    public static func directory(_ rows: RegistryRows, types: [String: DeviceType]) throws(RegistryRowError) -> DeviceDirectory {
        var devices: [(num: Int64, record: DeviceRecord)] = []
        devices.reserveCapacity(rows.devices.count)
        for row in rows.devices {
            guard let attributes = decodeScalars(row.attributes) else { throw RegistryRowError(device: row.id, column: "attributes") }
            guard let inspections = decodeScalars(row.lastInspections)?.compactMapValues({ $0.string.flatMap(Day.init(parsing:)) }) else {
                throw RegistryRowError(device: row.id, column: "last_inspections")
            }
            let record = DeviceRecord(
                id: row.id, type: row.type, gateway: row.gateway, site: row.site, owner: row.owner, firm: row.firm,
                commissioned: Day(parsing: row.commissioned) ?? Day(year: 1970, month: 1, day: 1)!,
                lastInspections: inspections, inspectionGrade: row.inspectionGrade, attributes: attributes,
                origin: Origin(file: row.source ?? "store", line: nil))
            devices.append((row.num ?? 0, record))
        }
        return DeviceDirectory(
            types: types, devices: devices, gateways: rows.gateways.map(\.id),
            firms: rows.firms.map { Firm(id: $0.id, name: $0.name, grade: $0.grade) },
            sites: rows.sites.map { Site(id: $0.id, name: $0.name, category: $0.category, city: $0.city, peopleExposed: $0.peopleExposed) })
    }

    /// Decodes the flat JSON objects written for attributes and inspection dates.
    static func decodeScalars(_ text: String) -> [String: Scalar]? {
        guard let value = try? JSONReader.parse(Array(text.utf8)), case .object(let members) = value else { return nil }
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

/// A registry row whose JSON column no longer parses.
public struct RegistryRowError: Error, Sendable, CustomStringConvertible {
    public let device: String
    public let column: String
    public var description: String { "device \(device): its \(column) column is not a JSON object" }
}
