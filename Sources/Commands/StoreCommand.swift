import Settings
import Logging
import ArgumentParser
import Domain
import Foundation
import Pipeline
import Records
import Services
import Storage

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The store's size and age, its retention, and its backup.",
        subcommands: [Stats.self, Prune.self, Backup.self],
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
            let store = try global.existingStore()
            output.print(try store.tableStats())
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the retention now (what `run` does every retention.interval), and say what it did.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let service = RetentionService(store: store, settings: settings.retention, clock: .system, logger: .init(label: "prune"))
            let r = try RetentionService.prune(store: store, policy: service.policy, now: wallMillis())
            say("\(r.pruned) raw reading(s) older than \(settings.retention.raw) replaced by hourly aggregates, \(r.evidence) kept as incident evidence")
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A consistent copy of the whole store in a new file, taken while `run` goes on.",
            discussion: """
                The copy (SQLite's VACUUM INTO) is a snapshot of one moment: every commit before it, none after; \
                the pipeline keeps storing meanwhile. It is checked (PRAGMA quick_check) before this command \
                says it is done. To restore: stop `equipwatch run`, copy the backup over DATA/equipwatch.sqlite, \
                delete DATA/equipwatch.sqlite-wal and -shm, start again with --accept-store-loss (the store then \
                holds fewer readings than the data folder remembers). docs/operations.md has the whole procedure.

                Example: equipwatch store backup --to /backup/equipwatch-$(date +%F).sqlite
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The new file (must not exist).", valueName: "FILE")) var to: String

        func run() throws {
            let store = try global.existingStore()
            let started = wallMillis()
            try store.backup(to: to)
            let copy = try SQLiteStore(path: to, create: false)
            let check = try copy.quickCheck()
            guard check == ["ok"] else { throw Refused("the copy \(to) does not check out: \(check.prefix(3).joined(separator: "; "))") }
            let size = (try? FileManager.default.attributesOfItem(atPath: to)[.size] as? NSNumber)?.int64Value ?? 0
            say("backed up to \(to): \(size / 1_048_576) MiB in \(formatNumber(Double(wallMillis() - started) / 1000)) s, checked")
        }
    }
}
