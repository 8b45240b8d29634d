import DeviceCatalog
import Foundation
import Inspection
import Domain
import Risk
import Rules
import Settings
import Source

// The folders of SPEC §4 read from disk and handed to the cores as text.

extension Catalog {
    /// Loads `types/*.yaml` and `fleet/*.yaml` under `directory`, reporting every error of
    /// every file at once.
    public static func load(directory: String) throws(SourceErrors) -> Catalog {
        try sources(directory: directory).catalog()
    }

    /// The text of `types/*.yaml` and `fleet/*.yaml` under `directory`, read but not parsed,
    /// with a content hash: a registry the store already holds from the same text need not be
    /// parsed again (100 k devices take about 25 s of YAML).
    public static func sources(directory: String) throws(SourceErrors) -> RegistrySources {
        var errors: [SourceError] = []
        var types: [SourceText] = []
        var fleet: [SourceText] = []
        do { types = try SourceFolder.yamlFiles(in: directory + "/types") } catch { errors += error.errors }
        do { fleet = try SourceFolder.yamlFiles(in: directory + "/fleet") } catch { errors += error.errors }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return RegistrySources(directory: directory, types: types, fleet: fleet)
    }

    /// Loads the device types of a `types/` folder.
    public static func loadTypes(directory: String) throws(SourceErrors) -> [String: DeviceType] {
        try parseTypes(try SourceFolder.yamlFiles(in: directory), folder: directory)
    }

    /// Reads one registry file and checks it against `types` and the registry it joins.
    public static func loadFleetFile(_ file: String, types: [String: DeviceType], existing: Fleet = Fleet()) throws(SourceErrors) -> Fleet {
        try parseFleetFile(try SourceFolder.read(file), types: types, existing: existing)
    }
}

/// The registry's source files as read, and a hash of every file's name and text.
public struct RegistrySources: Sendable {
    public let directory: String
    public let types: [SourceText]
    public let fleet: [SourceText]
    public let hash: String

    init(directory: String, types: [SourceText], fleet: [SourceText]) {
        (self.directory, self.types, self.fleet) = (directory, types, fleet)
        var h = FNV1a()
        for file in types + fleet {
            for part in [(file.file as NSString).lastPathComponent, file.text] {
                var text = part
                text.withUTF8 { h.add($0) }
                h.add(CollectionOfOne(0xff))  // a separator no UTF-8 text contains
            }
        }
        hash = hex(h.value)
    }

    /// Types and fleet, parsed and checked.
    public func catalog() throws(SourceErrors) -> Catalog {
        try Catalog.parse(types: types, fleet: fleet, typesFolder: directory + "/types")
    }

    /// The types alone.
    public func parsedTypes() throws(SourceErrors) -> [String: DeviceType] {
        try Catalog.parseTypes(types, folder: directory + "/types")
    }
}

extension RuleLoader {
    /// Loads and compiles the packs of a `Rules/` folder.
    public static func load(directory: String, types: [String: DeviceType]) throws(SourceErrors) -> RuleSet {
        try compile(try SourceFolder.yamlFiles(in: directory), types: types)
    }
}

extension RuleTestRunner {
    /// Runs every test file of `directory` (usually `Rules/tests/`).
    public static func run(directory: String, rules: RuleSet, types: [String: DeviceType]) throws(SourceErrors) -> [Result] {
        try run(files: try SourceFolder.yamlFiles(in: directory), rules: rules, types: types)
    }
}

extension RiskModel {
    /// Reads `Rules/risk.yaml` (or another path).
    public static func load(path: String) throws(SourceErrors) -> RiskModel {
        let source = try SourceFolder.read(path)
        return try parse(source.text, file: source.name)
    }
}

extension SettingsFile {
    /// Reads `equipwatch.yaml` (or another path) over `base`.
    public static func load(path: String, base: Settings = Settings()) throws(SourceErrors) -> Settings {
        let source = try SourceFolder.read(path)
        return try parse(text: source.text, file: source.file, base: base)
    }
}

extension WorkCalendar {
    /// Reads every year file of `Devices/calendar/`; a missing folder is an empty calendar
    /// (weekdays only), which the plan's caveats then name.
    public static func load(directory: String) throws(SourceErrors) -> WorkCalendar {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else { return WorkCalendar() }
        var calendar = WorkCalendar()
        var errors: [SourceError] = []
        for file in try SourceFolder.yamlFiles(in: directory) {
            do { calendar.merge(try parse(text: file.text, file: file.file)) } catch { errors += error.errors }
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return calendar
    }
}

extension PlanPolicy {
    /// Reads `Devices/inspection_plan.yaml`; without the file, the defaults (30 days ahead; red
    /// within 30 days, orange within 60).
    public static func load(path: String) throws(SourceErrors) -> PlanPolicy {
        guard FileManager.default.fileExists(atPath: path) else { return PlanPolicy() }
        let source = try SourceFolder.read(path)
        return try parse(text: source.text, file: source.file)
    }
}

extension AccidentPolicy {
    /// Reads `Rules/accidents.yaml`. A missing file is an error that names it: accident classes
    /// are data, and there are no built-in ones to fall back on.
    public static func load(path: String) throws(SourceErrors) -> AccidentPolicy {
        let source = try SourceFolder.read(path)
        return try parse(text: source.text, file: source.file)
    }
}
