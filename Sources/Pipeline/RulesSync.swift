import DeviceCatalog
import Ingest
import Maintenance
import Risk
import Rules
import Settings
import Storage

/// Loads `Rules/` and starts or reloads the rule engine against the store.
public enum RulesSync {
    /// Loads and compiles the packs, and records each pack's text and layout in the store (what
    /// alarms cite as their pack version). Throws located errors; the caller keeps its rules.
    public static func load(rulesDirectory: String, types: [String: DeviceType], store: Store) throws -> RuleSet {
        let rules = try RuleLoader.load(directory: rulesDirectory, types: types)
        try store.record(rules)
        return rules
    }

    /// An engine resuming the persisted rule state: pending timers, firing alarms and windows
    /// carry on across a restart.
    public static func engine(rules: RuleSet, store: Store, directory: DeviceDirectory, settings: Settings, now: Int64) throws -> RuleEngine {
        let resume = try store.ruleEngineResume()
        var options = RuleEngine.Options()
        options.lateToleranceMs = settings.rules.lateTolerance.milliseconds
        options.tickMs = settings.rules.tick.milliseconds
        options.startedAt = now
        let engine = RuleEngine(rules: rules, options: options, nextAlarmId: resume.nextAlarmId, nextIncidentId: resume.nextIncidentId)
        engine.restore(resume.states, directory: directory, layouts: resume.layouts)
        return engine
    }

    /// The risk model, `risk.yaml` in the rules folder. Throws located errors.
    public static func risk(rulesDirectory: String) throws -> RiskModel {
        try RiskModel.load(path: rulesDirectory + "/risk.yaml")
    }

    /// A maintenance planner resuming the persisted cycles, regimes and counters.
    public static func planner(rules: RuleSet, store: Store, directory: DeviceDirectory, now: Int64) throws -> MaintenancePlanner {
        MaintenancePlanner(directory: directory, rules: rules, restored: try store.loadPlanStates(),
                           options: MaintenancePlanner.Options(startedAt: now))
    }
}
