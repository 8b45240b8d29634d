import ArgumentParser
import Domain
import Foundation
import Pipeline
import Storage

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The store's size and age, and its retention.",
        subcommands: [Stats.self, Prune.self],
        defaultSubcommand: Stats.self)

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rows, bytes and the oldest and newest entry of every table.",
            discussion: """
                Raw readings are kept for retention.raw (30 d by default) and then replaced by hourly aggregates \
                (reading_aggregates: min, max, sum, last and count per numeric field); readings around an incident \
                are kept with it in incident_evidence. Everything else is kept. Bytes need SQLite's dbstat, which \
                most builds have; without it the column is empty.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let store = try Store(path: try global.settings().databasePath, create: false, localDays: Console.zone.localDays)
            output.print(try store.tableStats())
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the retention now (what `run` does every retention.interval), and say what it did.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let settings = try global.settings()
            let store = try Store(path: settings.databasePath, create: false, localDays: Console.zone.localDays)
            let service = RetentionService(store: store, settings: settings.retention, clock: .system, logger: .init(label: "prune"))
            let r = try RetentionService.prune(store: store, policy: service.policy, now: wallMillis())
            say("\(r.pruned) raw reading(s) older than \(settings.retention.raw) replaced by hourly aggregates, \(r.evidence) kept as incident evidence")
        }
    }
}
