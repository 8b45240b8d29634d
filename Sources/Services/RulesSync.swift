import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Ingest
import Logging
import Maintenance
import Risk
import Rules
import Settings
import Records

/// Loads `Rules/` and starts or reloads the rule engine against the store.
public enum RulesSync {
    /// Loads and compiles the packs, and records each pack's text and layout in the store (what
    /// alarms cite as their pack version). Throws located errors; the caller keeps its rules.
    public static func load(rulesDirectory: String, types: [String: DeviceType], store: any Store) throws -> RuleSet {
        let rules = try RuleLoader.load(directory: rulesDirectory, types: types)
        let packs = rules.packs.map { (hash: $0.hash, file: $0.file, rules: $0.rules, content: $0.content) }
        let layouts = try rules.programs.map { type, program in
            (hash: program.layoutHash, type: type, layout: String(decoding: try JSONEncoder().encode(program.layoutDescription), as: UTF8.self))
        }
        try store.record(packs: packs, layouts: layouts)
        return rules
    }

    /// An engine resuming the persisted rule state: pending timers, firing alarms and windows
    /// carry on across a restart.
    /// State that cannot be read (a layout or a device state from a build that wrote it
    /// differently) is logged and dropped: those devices start afresh.
    public static func engine(rules: RuleSet, store: any Store, directory: DeviceDirectory, settings: Settings, now: Int64,
                              logger: Logger = Logger(label: "equipwatch.rules")) throws -> RuleEngine {
        let engine = try restoredEngine(rules: rules, store: store, directory: directory, settings: settings, now: now, logger: logger)
        // Every device's encoded state was read at once and is freed now: handed back, so that
        // it does not stay resident between the states decoded from it.
        releaseFreedMemory()
        return engine
    }

    private static func restoredEngine(rules: RuleSet, store: any Store, directory: DeviceDirectory, settings: Settings, now: Int64,
                                       logger: Logger) throws -> RuleEngine {
        let resume = try store.ruleEngineResume()
        var layouts: [String: [String: [Int]]] = [:]
        for (hash, text) in resume.layouts {
            do { layouts[hash] = try JSONDecoder().decode([String: [Int]].self, from: Data(text.utf8)) }
            catch { logger.warning("unreadable stored rule layout; state written under it starts afresh", metadata: ["layout": "\(hash)", "error": "\(error)"]) }
        }
        var options = RuleEngine.Options()
        options.lateToleranceMs = settings.rules.lateTolerance.milliseconds
        options.tickMs = settings.rules.tick.milliseconds
        options.startedAt = now
        let engine = RuleEngine(rules: rules, options: options, nextAlarmId: resume.nextAlarmId, nextIncidentId: resume.nextIncidentId)
        engine.status = RegistryStatus(days: store.localDays)
        let dropped = engine.restore(resume.states, directory: directory, layouts: layouts)
        if !dropped.isEmpty {
            logger.warning("rule state of \(dropped.count) device(s) could not be read and starts afresh",
                           metadata: ["devices": "\(dropped.prefix(20).map(String.init).joined(separator: ","))"])
        }
        return engine
    }

    /// The risk model, `risk.yaml` in the rules folder. Throws located errors.
    public static func risk(rulesDirectory: String) throws -> RiskModel {
        try RiskModel.load(path: rulesDirectory + "/risk.yaml")
    }

    /// A maintenance planner resuming the persisted cycles, regimes and counters.
    /// Calendar periods and statutory dates are counted in the store's local days.
    public static func planner(rules: RuleSet, store: any Store, directory: DeviceDirectory, now: Int64,
                               logger: Logger = Logger(label: "equipwatch.maintenance")) throws -> MaintenancePlanner {
        var options = MaintenancePlanner.Options(startedAt: now)
        options.localDays = store.localDays
        let planner = MaintenancePlanner(directory: directory, rules: rules, restored: try store.loadPlanStates(logger: logger), options: options)
        releaseFreedMemory()  // the states as read, freed
        return planner
    }
}
