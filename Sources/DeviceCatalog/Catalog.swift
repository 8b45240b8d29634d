import Domain
import Source

/// Device types and fleet as loaded from a `Devices/` folder.
public struct Catalog: Sendable {
    public let types: [String: DeviceType]
    public let fleet: Fleet

    public init(types: [String: DeviceType], fleet: Fleet) { (self.types, self.fleet) = (types, fleet) }

    /// Parses the type files and the fleet files (the contents of `types/*.yaml` and
    /// `fleet/*.yaml`). All errors of all files are collected and thrown together, so one run
    /// of `equipwatch` shows everything to fix.
    public static func parse(types typeFiles: [SourceText], fleet fleetFiles: [SourceText], typesFolder: String) throws(SourceErrors) -> Catalog {
        var errors: [SourceError] = []
        var types: [String: DeviceType] = [:]
        do { types = try parseTypes(typeFiles, folder: typesFolder) } catch { errors += error.errors }
        var fleet = Fleet()
        for file in fleetFiles {
            do { fleet.merge(try FleetParser.parse(text: file.text, file: file.file)) }
            catch { errors += error.errors }
        }
        if errors.isEmpty { errors += FleetParser.check(fleet, types: types) }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return Catalog(types: types, fleet: fleet.resolvingDistricts())
    }

    /// Parses type files; each type must live in a file named after it.
    public static func parseTypes(_ files: [SourceText], folder: String) throws(SourceErrors) -> [String: DeviceType] {
        var errors: [SourceError] = []
        var types: [String: DeviceType] = [:]
        for file in files {
            do {
                let t = try DeviceTypeParser.parse(text: file.text, file: file.file)
                let expected = file.name.split(separator: ".").first.map(String.init) ?? file.name
                if t.id != expected {
                    errors.append(SourceError(file: file.file, line: 1, reason: "type '\(t.id)' must live in \(t.id).yaml"))
                }
                types[t.id] = t
            } catch {
                errors += error.errors
            }
        }
        if types.isEmpty, errors.isEmpty {
            errors.append(SourceError(file: folder, reason: "no device types (*.yaml) found"))
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return types
    }

    /// Parses one registry file and checks it against `types` and the registry it joins
    /// (`existing` supplies gateways, sites and firms declared elsewhere).
    public static func parseFleetFile(_ file: SourceText, types: [String: DeviceType], existing: Fleet = Fleet()) throws(SourceErrors) -> Fleet {
        let fleet = try FleetParser.parse(text: file.text, file: file.file)
        var merged = existing
        merged.devices = []
        merged.merge(fleet)
        let errors = FleetParser.check(merged, types: types)
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return fleet.resolvingDistricts(known: existing.regions)
    }
}
