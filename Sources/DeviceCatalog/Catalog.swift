import Domain
import Foundation

/// Device types and fleet as loaded from a `Devices/` folder.
public struct Catalog: Sendable {
    public let types: [String: DeviceType]
    public let fleet: Fleet

    public init(types: [String: DeviceType], fleet: Fleet) {
        self.types = types
        self.fleet = fleet
    }

    /// Loads `types/*.yaml` and `fleet/*.yaml` under `directory`. All errors of all files are
    /// collected and thrown together, so one run of `equipwatch` shows everything to fix.
    public static func load(directory: String) throws(CatalogErrors) -> Catalog {
        let types = try loadTypes(directory: directory + "/types")
        var fleet = Fleet()
        var errors: [CatalogError] = []
        for file in yamlFiles(in: directory + "/fleet", errors: &errors) {
            do { fleet.merge(try FleetParser.parse(text: try read(file), file: file)) }
            catch { errors += error.errors }
        }
        errors += FleetParser.check(fleet, types: types)
        guard errors.isEmpty else { throw CatalogErrors(errors) }
        return Catalog(types: types, fleet: fleet)
    }

    public static func loadTypes(directory: String) throws(CatalogErrors) -> [String: DeviceType] {
        var errors: [CatalogError] = []
        var types: [String: DeviceType] = [:]
        for file in yamlFiles(in: directory, errors: &errors) {
            do {
                let t = try DeviceTypeParser.parse(text: try read(file), file: file)
                let expected = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                if t.id != expected {
                    errors.append(CatalogError(file: file, line: 1, reason: "type '\(t.id)' must live in \(t.id).yaml"))
                }
                types[t.id] = t
            } catch {
                errors += error.errors
            }
        }
        if types.isEmpty, errors.isEmpty {
            errors.append(CatalogError(file: directory, reason: "no device types (*.yaml) found"))
        }
        guard errors.isEmpty else { throw CatalogErrors(errors) }
        return types
    }

    /// Parses one registry file and checks it against `types` and the registry it joins
    /// (`existing` supplies gateways, sites and firms declared elsewhere).
    public static func loadFleetFile(_ file: String, types: [String: DeviceType], existing: Fleet = Fleet()) throws(CatalogErrors) -> Fleet {
        let fleet: Fleet
        do { fleet = try FleetParser.parse(text: try read(file), file: file) }
        catch { throw error }
        var merged = existing
        merged.devices = []
        merged.merge(fleet)
        let errors = FleetParser.check(merged, types: types)
        guard errors.isEmpty else { throw CatalogErrors(errors) }
        return fleet
    }

    public static func yamlFiles(in directory: String, errors: inout [CatalogError]) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            errors.append(CatalogError(file: directory, reason: "cannot read the folder"))
            return []
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { directory + "/" + $0 }
    }

    public static func read(_ file: String) throws(CatalogErrors) -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw CatalogErrors([CatalogError(file: file, reason: "cannot read the file as UTF-8 text")])
        }
        return text
    }
}
