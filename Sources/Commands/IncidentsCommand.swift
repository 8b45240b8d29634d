import Domain
import ArgumentParser
import Presentation
import Records
import Storage

struct IncidentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "List incidents, or show one with its timeline.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Incidents (opened by rules with `incident: true`), newest first.",
            discussion: "Example: equipwatch incidents --status open --from 2026-11-01 --csv")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var filters: AlarmFilterOptions
        @Option(help: "Only this status.") var status: IncidentStatus?

        func run() throws {
            let store = try global.existingStore()
            var f = try filters.filter()
            f.status = status
            f.language = global.language
            try filters.checkNames(store)
            output.print(try store.incidents(f), limit: filters.range.limit)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An incident's timeline: opened, escalated, acknowledged, resolved, each with the alarm as it was.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The incident's id.") var id: Int64

        func run() throws {
            let store = try global.existingStore()
            guard let timeline = try store.incidentTimeline(id) else { throw NotFound("no incident \(id)") }
            output.print(ResultTable(timeline), detail: true)
        }
    }
}
