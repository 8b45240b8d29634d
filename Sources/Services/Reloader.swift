import SourceFiles
import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Logging
import Risk
import Rules
import Settings
import Records

/// What a reload swaps in: the running engine and the API's catalog in `equipwatch run`.
public protocol Reloadable: Sendable {
    /// The registry as `Devices/` now says (types, devices, gateways, firms, sites, stations).
    func reload(directory: DeviceDirectory)
    /// The compiled rule packs of `Rules/`, checked against the new types.
    func reload(rules: RuleSet)
    /// `Rules/risk.yaml`.
    func reload(risk: RiskModel)
    /// The working-day calendar and the inspection plan policy of `Devices/`.
    func reload(planning calendar: WorkCalendar, policy: PlanPolicy)
    /// `Rules/accidents.yaml`.
    func reload(accidents: AccidentPolicy)
}

extension Reloadable {
    /// Most targets do not plan inspections.
    public func reload(planning calendar: WorkCalendar, policy: PlanPolicy) {}
    /// Most targets do not class accidents.
    public func reload(accidents: AccidentPolicy) {}
}

/// The SIGHUP policy (SPEC §6): reload `Devices/`, then `Rules/` against the new types, then
/// `risk.yaml`. Whatever fails to load is reported with its located errors and the running
/// version stays in force; rules are only tried against a registry that loaded.
public enum Reloader {
    /// What became of one part of a reload.
    public enum Outcome: Sendable, Equatable {
        case reloaded
        /// The files were rejected; the reason lists every error (`file:line:column: reason`).
        case rejected(String)
        /// Not tried, because what it depends on was rejected.
        case skipped
    }

    /// What a reload did, part by part.
    public struct Report: Sendable, Equatable {
        public var registry: Outcome
        public var rules: Outcome
        public var risk: Outcome
        public var planning: Outcome = .skipped
        public var accidents: Outcome = .skipped
    }

    /// Reloads from the folders `settings` names, writing the registry into `store`, and hands
    /// each part that loaded to every target (the engine and the API's catalog alike).
    @discardableResult
    public static func reload(_ settings: Settings, store: any Store, logger: Logger, into targets: any Reloadable...) -> Report {
        var report = Report(registry: .skipped, rules: .skipped, risk: .skipped)
        let loaded: (types: [String: DeviceType], directory: DeviceDirectory)
        do {
            loaded = try RegistrySync.load(devicesDirectory: settings.devicesDirectory, store: store, now: wallMillis())
        } catch {
            logger.error("reload: registry rejected, the running registry and rules stay in force:\n\(error)")
            report.registry = .rejected("\(error)")
            return report
        }
        for target in targets { target.reload(directory: loaded.directory) }
        report.registry = .reloaded
        logger.notice("reload: registry reloaded", metadata: ["devices": "\(loaded.directory.entries.count)"])
        do {
            let rules = try RulesSync.load(rulesDirectory: settings.rulesDirectory, types: loaded.types, store: store)
            for target in targets { target.reload(rules: rules) }
            report.rules = .reloaded
            logger.notice("reload: rules reloaded", metadata: ["packs": "\(rules.packs.count)", "rules": "\(rules.ruleIds.count)"])
        } catch {
            logger.error("reload: rules rejected, the running rules stay in force:\n\(error)")
            report.rules = .rejected("\(error)")
        }
        do {
            let risk = try RulesSync.risk(rulesDirectory: settings.rulesDirectory)
            for target in targets { target.reload(risk: risk) }
            report.risk = .reloaded
            logger.notice("reload: risk model reloaded", metadata: ["model": "\(risk.version)"])
        } catch {
            logger.error("reload: risk model rejected, the running model stays in force:\n\(error)")
            report.risk = .rejected("\(error)")
        }
        do {
            let calendar = try WorkCalendar.load(directory: settings.devicesDirectory + "/calendar")
            let policy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
            for target in targets { target.reload(planning: calendar, policy: policy) }
            report.planning = .reloaded
        } catch {
            logger.error("reload: inspection calendar or plan policy rejected, the running ones stay in force:\n\(error)")
            report.planning = .rejected("\(error)")
        }
        do {
            let accidents = try AccidentPolicy.load(path: settings.rulesDirectory + "/accidents.yaml")
            for target in targets { target.reload(accidents: accidents) }
            report.accidents = .reloaded
        } catch {
            logger.error("reload: accident policy rejected, the running one stays in force:\n\(error)")
            report.accidents = .rejected("\(error)")
        }
        return report
    }
}
