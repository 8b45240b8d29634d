import DeviceCatalog
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
        var errors: [SourceError] = []
        var types: [SourceText] = []
        var fleet: [SourceText] = []
        do { types = try SourceFolder.yamlFiles(in: directory + "/types") } catch { errors += error.errors }
        do { fleet = try SourceFolder.yamlFiles(in: directory + "/fleet") } catch { errors += error.errors }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return try parse(types: types, fleet: fleet, typesFolder: directory + "/types")
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
