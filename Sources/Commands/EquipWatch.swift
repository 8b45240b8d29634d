import Domain
import ArgumentParser

public struct EquipWatch: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "equipwatch",
        abstract: "Special-equipment safety monitoring: MQTT telemetry in, validated, rule-checked, stored in SQLite.",
        discussion: """
            Gateways publish to equipwatch/v1/{gateway}/{device}/{telemetry|event|status}. `run` ingests \
            them; the query commands read the store, also while `run` is writing.

            Settings come from equipwatch.yaml in the current folder (or --config FILE); flags override them.
            """,
        subcommands: [
            RunCommand.self, SimulateCommand.self, DevicesCommand.self, ReadingsCommand.self,
            EventsCommand.self, DeadLettersCommand.self, AlarmsCommand.self, IncidentsCommand.self, NoticesCommand.self,
            MaintenanceCommand.self, InspectionsCommand.self, ScheduleCommand.self, StatsCommand.self, RulesCommand.self,
            TokensCommand.self, StoreCommand.self, ReplayCommand.self, BenchCommand.self,
        ]
    )
}
