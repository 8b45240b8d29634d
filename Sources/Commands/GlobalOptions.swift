import Domain
import SourceFiles
import Ingest
import ArgumentParser
import DeviceCatalog
import Foundation
import Settings
import Presentation
import Records
import Storage
import PostgresStorage

/// Options every command understands (SPEC §6). Flags override the configuration file.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (default: ./equipwatch.yaml when present).", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "The store: sqlite:PATH (default: equipwatch.sqlite in the data folder) or postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=disable|prefer|require|verify-full] (docs/postgres.md). Default: $EQUIPWATCH_STORE_URL, else store.url.",
        valueName: "URL"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("MQTT broker address.", valueName: "HOST:PORT"))
    var broker: String?

    @Option(name: .long, help: ArgumentHelp("Data folder holding equipwatch.sqlite (default ./data).", valueName: "DIR"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Device types and fleet folder (default ./Devices).", valueName: "DIR"))
    var devices: String?

    @Option(name: .long, help: ArgumentHelp("Rule packs folder (default ./Rules).", valueName: "DIR"))
    var rules: String?

    @Option(name: .long, help: ArgumentHelp("HTTP API address (default 127.0.0.1:8080).", valueName: "HOST:PORT"))
    var http: String?

    @Option(name: .long, help: ArgumentHelp("Time zone for tables, CSV and local dates (default: $TZ, else Asia/Shanghai).", valueName: "ZONE"))
    var tz: String?

    @Option(name: .long, help: ArgumentHelp(
        "Language of alarm messages, notice reasons and must-not-use reasons: zh or en (default: from LC_ALL, LC_MESSAGES or LANG; zh_CN.UTF-8 reads Chinese, anything else English).",
        valueName: "LANG"))
    var lang: Language?

    /// The store of the data folder these options name, which must exist (a query, an import
    /// into a running city): times read in the display zone.
    func existingStore() throws -> any Store { try settings().existingStore() }

    /// The reader's language: `--lang`, else the locale's.
    var language: Language { lang ?? Language.fromLocale(ProcessInfo.processInfo.environment) }

    func validate() throws {
        if let store, StoreLocation(parsing: store) == nil {
            throw ValidationError("--store '\(StoreLocation.postgres(url: store))' is not a store URL: \(StoreLocation.usage)")
        }
        if let tz, DisplayZone(named: tz) == nil {
            throw ValidationError("--tz '\(tz)' is not a time zone name (Asia/Shanghai, Asia/Urumqi, UTC, Europe/Berlin...)")
        }
    }

    /// The effective settings: defaults, then the configuration file, then flags.
    func settings() throws -> Settings {
        var s = Settings()
        if let config {
            s = try SettingsFile.load(path: config)
        } else if FileManager.default.fileExists(atPath: "equipwatch.yaml") {
            s = try SettingsFile.load(path: "equipwatch.yaml")
        }
        if let broker {
            guard let hp = HostPort(parsing: broker) else { throw ValidationError("--broker '\(broker)' is not HOST:PORT") }
            s.broker.endpoint = hp
        }
        if let http {
            guard let hp = HostPort(parsing: http) else { throw ValidationError("--http '\(http)' is not HOST:PORT") }
            s.http = hp
        }
        if let data { s.dataDirectory = data }
        // The store's URL may hold a password: EQUIPWATCH_STORE_URL keeps it off the command line.
        if let store {
            s.store.url = store
        } else if let url = ProcessInfo.processInfo.environment["EQUIPWATCH_STORE_URL"], !url.isEmpty {
            guard StoreLocation(parsing: url) != nil else {
                throw ValidationError("EQUIPWATCH_STORE_URL '\(StoreLocation.postgres(url: url))' is not a store URL: \(StoreLocation.usage)")
            }
            s.store.url = url
        }
        if let devices { s.devicesDirectory = devices }
        if let rules { s.rulesDirectory = rules }
        // No client id configured: one of the data folder's own (see InstanceGuard.clientId).
        if s.broker.clientId == Settings.Broker().clientId {
            s.broker.clientId = InstanceGuard.clientId(dataDirectory: s.dataDirectory)
        }
        return s
    }
}

/// Reads `--from`/`--to` values: RFC 3339 in any offset, a date (YYYY-MM-DD: midnight in the
/// display zone) or epoch milliseconds.
/// `YYYY-MM-DD HH:MM[:SS]` in the display zone (a person's own clock), or nil.
func parseLocalTime(_ text: String) -> Int64? {
    let parts = text.split(separator: " ", omittingEmptySubsequences: true)
    guard parts.count == 2, let day = Day(parsing: String(parts[0])) else { return nil }
    let clock = parts[1].split(separator: ":").map { Int($0) }
    guard (2...3).contains(clock.count), clock.allSatisfy({ $0 != nil }) else { return nil }
    let (h, m, sec) = (clock[0]!, clock[1]!, clock.count == 3 ? clock[2]! : 0)
    guard (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(sec) else { return nil }
    return Console.zone.midnight(day) + Int64(h) * 3_600_000 + Int64(m) * 60_000 + Int64(sec) * 1000
}

func parseTime(_ text: String?, flag: String) throws -> Int64? {
    guard let text else { return nil }
    let ms: Int64
    if let n = Int64(text) { ms = n }
    else if let day = Day(parsing: text) { ms = Console.zone.midnight(day) }
    else if let n = Domain.Timestamp.parseRFC3339(text) { ms = n }
    else if let n = parseLocalTime(text) { ms = n }
    else { throw ValidationError("\(flag) '\(text)' is not RFC 3339, \"YYYY-MM-DD HH:MM\" (local time), YYYY-MM-DD or epoch milliseconds") }
    guard Day.instants.contains(ms) else { throw ValidationError("\(flag) must be between 1900-01-01 and 2999-12-31") }
    return ms
}

extension Settings {
    /// The store these settings name, which must exist (a query, an import into a running
    /// city); days counted in the display zone.
    func existingStore() throws -> any Records.Store { try openStore(create: false) }

    /// The store these settings name, made when `create` and it does not exist yet: the data
    /// folder's SQLite file, or a PostgreSQL database (its schema made in an empty database).
    /// An existing store whose schema is older than this binary's is refused here, naming the
    /// command that upgrades it: only `run` and `store migrate` change a schema (`upgrade`).
    func openStore(create: Bool, upgrade: SchemaUpgrade = .refuse) throws -> any Records.Store {
        switch storeLocation {
        case .sqlite(let path): try SQLiteStore(path: path, create: create, localDays: Console.zone.localDays, upgrade: upgrade)
        case .postgres(let url): try PostgresStore(url: url, create: create, localDays: Console.zone.localDays, upgrade: upgrade)
        }
    }
}
