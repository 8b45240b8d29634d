import ArgumentParser
import DeviceCatalog
import Domain
import Foundation
import Pipeline
import SourceFiles
import Storage

struct InspectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspections",
        abstract: "Statutory inspections: what is due and overdue (`schedule` plans them).",
        subcommands: [Due.self],
        defaultSubcommand: Due.self)

    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspections due within --within days, and every overdue one, soonest first.",
            discussion: """
                Due dates follow each type's inspection policy (Devices/types/*.yaml) from the device's commissioning \
                date, last inspections and safety grade. Owners must apply for an inspection at least a month before it \
                is due.

                Example: equipwatch inspections due --within 30 --csv
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Days ahead of today.", valueName: "DAYS")) var within = 30

        func run() throws {
            let settings = try global.settings()
            let store = try Store(path: settings.databasePath, create: false)
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            let today = Day(epochMillis: wallMillis())
            output.print(try InspectionSchedule.due(store: store, types: types, today: today, until: today.adding(days: within)))
        }
    }
}
