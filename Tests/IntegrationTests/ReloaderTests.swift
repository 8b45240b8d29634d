import DeviceCatalog
import Domain
import Foundation
import Ingest
import Logging
import Pipeline
import Risk
import Rules
import Settings
import Records
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// The SIGHUP policy on real folders and a real store: what is swapped in, what stays.
@Suite("Reload policy (real files, real SQLite)", .sqliteOnly)
struct ReloaderTests {
    /// Records what a reload swapped in.
    final class Swapped: Reloadable {
        let log = Mutex<[String]>([])
        func reload(directory: DeviceDirectory) { log.withLock { $0.append("registry \(directory.entries.count)") } }
        func reload(rules: RuleSet) { log.withLock { $0.append("rules \(rules.ruleIds.count)") } }
        func reload(risk: RiskModel) { log.withLock { $0.append("risk") } }
        var entries: [String] { log.withLock { $0 } }
    }

    static func setting(devices: String, rules: String) throws -> (Settings, Store, String) {
        let dir = NSTemporaryDirectory() + "ew-reload-\(UUID().uuidString)"
        var s = Settings()
        s.dataDirectory = dir
        s.devicesDirectory = devices
        s.rulesDirectory = rules
        return (s, try SQLiteStore(path: s.databasePath), dir)
    }

    static func copy(_ folder: String) throws -> String {
        let dir = NSTemporaryDirectory() + "ew-copy-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/" + folder, toPath: dir)
        return dir
    }

    @Test("good folders: registry, rules and risk model are all swapped in")
    func everythingReloads() throws {
        let (settings, store, dir) = try Self.setting(devices: repositoryRoot + "/Devices", rules: repositoryRoot + "/Rules")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = Swapped()
        let report = Reloader.reload(settings, store: store, logger: Logger(label: "test"), into: target)
        #expect(report.registry == .reloaded)
        #expect(report.rules == .reloaded)
        #expect(report.risk == .reloaded)
        #expect(target.entries.count == 3)
        #expect(target.entries.first?.hasPrefix("registry ") == true)
        #expect(try store.count(.devices) > 0)
        #expect(report.planning == .reloaded)
    }

    @Test("the API's catalog takes the reloaded device types with the engine: a type added to Devices/ is known to both")
    func catalogFollowsTheReload() throws {
        let devices = try Self.copy("Devices")
        defer { try? FileManager.default.removeItem(atPath: devices) }
        let (settings, store, dir) = try Self.setting(devices: devices, rules: repositoryRoot + "/Rules")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let started = try RegistrySync.load(devicesDirectory: devices, store: store, now: wallMillis())
        let catalog = LiveCatalog(CatalogSnapshot(types: started.types))
        #expect(catalog.current.types["hoist"] == nil)
        // A new type, copied from the forklift's, appears in Devices/types.
        let forklift = try String(contentsOfFile: devices + "/types/forklift.yaml", encoding: .utf8)
        try forklift.replacingOccurrences(of: "type: forklift", with: "type: hoist")
            .write(toFile: devices + "/types/hoist.yaml", atomically: true, encoding: .utf8)
        let engine = Swapped()
        let report = Reloader.reload(settings, store: store, logger: Logger(label: "test"), into: engine, catalog)
        #expect(report.registry == .reloaded)
        #expect(catalog.current.types["hoist"] != nil)
        #expect(catalog.current.types.count == started.types.count + 1)
        #expect(engine.entries.first?.hasPrefix("registry ") == true)
    }

    @Test("a broken rule pack is rejected with its location while the registry and the risk model still reload")
    func brokenRulesStayOut() throws {
        let rules = try Self.copy("Rules")
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let path = rules + "/elevator.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "speed_mps > 1.15", with: "speed_mpz > 1.15").write(toFile: path, atomically: true, encoding: .utf8)
        let (settings, store, dir) = try Self.setting(devices: repositoryRoot + "/Devices", rules: rules)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = Swapped()
        let report = Reloader.reload(settings, store: store, logger: Logger(label: "test"), into: target)
        #expect(report.registry == .reloaded)
        #expect(report.risk == .reloaded)
        guard case .rejected(let reason) = report.rules else { Issue.record("rules were not rejected"); return }
        #expect(reason.contains("elevator.yaml:"))
        #expect(reason.contains("speed_mpz"))
        #expect(!target.entries.contains { $0.hasPrefix("rules") })
    }

    @Test("a broken registry is rejected and nothing is swapped in, rules included")
    func brokenRegistryStopsEverything() throws {
        let devices = try Self.copy("Devices")
        defer { try? FileManager.default.removeItem(atPath: devices) }
        try "devices:\n  - id: [unclosed\n".write(toFile: devices + "/fleet/zz-broken.yaml", atomically: true, encoding: .utf8)
        let (settings, store, dir) = try Self.setting(devices: devices, rules: repositoryRoot + "/Rules")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = Swapped()
        let report = Reloader.reload(settings, store: store, logger: Logger(label: "test"), into: target)
        guard case .rejected(let reason) = report.registry else { Issue.record("registry was not rejected"); return }
        #expect(reason.contains("zz-broken.yaml"))
        #expect(report.rules == .skipped)
        #expect(report.risk == .skipped)
        #expect(target.entries.isEmpty)
    }
}
