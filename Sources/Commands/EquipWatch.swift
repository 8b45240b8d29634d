import Domain
import ArgumentParser
import Foundation
import Presentation
import Records
import Storage

/// The `equipwatch` command: its subcommands, one per file, and the process set-up they share.
public struct EquipWatch: AsyncParsableCommand {
    public init() {}

    /// `equipwatch --version`: the release and the store schema it reads and writes (a store of a
    /// newer schema is refused; an older one is migrated by `run` or `store migrate` only).
    public static let version = "equipwatch \(release) (store schema \(SQLiteStore.schemaIdentifiers.last ?? "none"))"
    /// The release; raised with each change of behaviour an operator upgrades for.
    public static let release = "1.22.0"

    public static let configuration = CommandConfiguration(
        commandName: "equipwatch",
        abstract: "Special-equipment safety monitoring: MQTT telemetry in, validated, rule-checked, stored in SQLite.",
        discussion: """
            Gateways publish to equipwatch/v1/{gateway}/{device}/{telemetry|event|status}. `run` ingests \
            them; the query commands read the store, also while `run` is writing.

            Settings come from equipwatch.yaml in the current folder (or --config FILE); flags override them.
            """,
        version: EquipWatch.version,
        subcommands: [
            RunCommand.self, SimulateCommand.self, DevicesCommand.self, ReadingsCommand.self,
            EventsCommand.self, DeadLettersCommand.self, AlarmsCommand.self, IncidentsCommand.self, NoticesCommand.self,
            MaintenanceCommand.self, InspectionsCommand.self, ScheduleCommand.self, StatsCommand.self, RulesCommand.self,
            CylindersCommand.self, HazardsCommand.self, AccidentsCommand.self, CertificatesCommand.self, InsuranceCommand.self, RoutineCommand.self, AuditCommand.self, OutagesCommand.self, TokensCommand.self, StoreCommand.self, ClusterCommand.self, ReplayCommand.self, BenchCommand.self,
        ]
    )

    /// The executable's entry: parse, bind the display zone, run, exit with the error's code.
    public static func main() async {
        do {
            try await execute(Array(CommandLine.arguments.dropFirst()))
        } catch {
            exit(withError: error)
        }
    }

    /// Runs `equipwatch ARGUMENTS` in this process with the display zone the command's `--tz`
    /// (else `TZ`, else Asia/Shanghai) names; what it prints goes to `Console.write`.
    public static func execute(_ arguments: [String]) async throws {
        var command = try parseAsRoot(arguments)
        let option = Mirror(reflecting: command).children.lazy.compactMap { ($0.value as? OptionGroup<GlobalOptions>)?.wrappedValue.tz }.first
        let zone = DisplayZone.resolve(option) ?? .shanghai
        try await Console.$zone.withValue(zone) {
            if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
        }
    }
}
