import Settings
import Logging
import ArgumentParser
import Domain
import Foundation
import Pipeline
import Records
import Services
import Storage
import PostgresStorage
import Presentation

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "The store's size and age, its retention, its backup, its schema upgrade, and moving it to another engine.",
        subcommands: [Stats.self, Prune.self, Backup.self, Copy.self, Migrate.self],
        defaultSubcommand: Stats.self)

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rows, bytes and the oldest and newest entry of every table.",
            discussion: """
                Raw readings are kept for retention.raw (30 d by default) and then replaced by hourly aggregates \
                (reading_aggregates: min, max, sum, last and count per numeric field); readings around an incident \
                are kept with it in incident_evidence. Everything else is kept. Bytes need SQLite's dbstat, which \
                most builds have (without it the column is empty); on PostgreSQL they are each table's size with its \
                indexes and, for readings, every month's partition.
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

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every table of a store into another, SQLite to PostgreSQL or back, and verify the copy.",
            discussion: """
                Moving a city to PostgreSQL: stop `equipwatch run`, copy, then start it with --store pointing at the \
                new database (docs/postgres.md). The target must be empty (a new SQLite file is made; a PostgreSQL \
                database gets its schema); both must have the same schema version. Rows go in key order, in batches \
                of --batch, each batch its own transaction, with progress on standard error: an interrupted copy \
                is finished with the same command and --resume. At the end both sides are read back and every \
                table's row count and SHA-256 checksum printed for each; the command fails (exit 1) if any differs.

                Examples:
                  equipwatch store copy --from sqlite:data/equipwatch.sqlite --to postgres://equipwatch@db.internal/equipwatch
                  equipwatch store copy --from postgres://equipwatch@db.internal/equipwatch --to sqlite:/backup/city.sqlite
                """)

        @Option(help: ArgumentHelp("The store to copy: sqlite:PATH or postgres://USER[:PASS]@HOST[:PORT]/DB.", valueName: "URL"))
        var from: String
        @Option(help: ArgumentHelp("The store to copy into (empty, or an interrupted copy with --resume).", valueName: "URL"))
        var to: String
        @Flag(help: "Finish an interrupted copy: continue each table after the last row the target holds.")
        var resume = false
        @Option(help: ArgumentHelp("Rows per transaction.", valueName: "N"))
        var batch = 5000

        func validate() throws {
            for (flag, url) in [("--from", from), ("--to", to)] where StoreLocation(parsing: url) == nil {
                throw ValidationError("\(flag) '\(StoreLocation.postgres(url: url))' is not a store URL: \(StoreLocation.usage)")
            }
            guard batch > 0 else { throw ValidationError("--batch must be at least 1") }
            guard from != to else { throw ValidationError("--from and --to name the same store") }
        }

        func run() throws {
            let source = try Self.open(from, create: false)
            let target = try Self.open(to, create: true)
            let started = wallMillis()
            let reports: [StoreCopy.TableReport]
            do {
                reports = try StoreCopy.run(from: source, to: target, resume: resume, batch: batch) { line in
                    FileHandle.standardError.write(Data("copy: \(line)\n".utf8))
                }
            } catch let refusal as StoreCopy.Refusal {
                throw Refused(refusal.description)
            }
            let width = max(5, reports.map(\.table.count).max() ?? 0)
            func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: max(n, text.count), withPad: " ", startingAt: 0) }
            say(pad("table", width) + "  " + pad("source rows", 12) + "  " + pad("target rows", 12) + "  " + pad("source sha256", 16) + "  "
                  + pad("target sha256", 16) + "  check")
            for r in reports {
                say(pad(r.table, width) + "  " + pad("\(r.sourceRows)", 12) + "  " + pad("\(r.targetRows)", 12) + "  "
                      + pad(String(r.sourceChecksum.prefix(16)), 16) + "  " + pad(String(r.targetChecksum.prefix(16)), 16) + "  "
                      + (r.matches ? "ok" : "DIFFERS"))
            }
            let differing = reports.filter { !$0.matches }.map(\.table)
            guard differing.isEmpty else { throw Refused("the copy differs from its source in \(differing.joined(separator: ", "))") }
            let rows = reports.reduce(0) { $0 + $1.copied }
            say("copied \(rows) rows into \(StoreLocation(parsing: to)!) in \(formatNumber(Double(wallMillis() - started) / 1000)) s; every table verified")
        }

        /// A store of either engine as a copy's side.
        static func open(_ url: String, create: Bool) throws -> any TableCopying {
            switch StoreLocation(parsing: url)! {
            case .sqlite(let path): try SQLiteStore(path: path, create: create, localDays: Console.zone.localDays, upgrade: .refuse)
            case .postgres(let url): try PostgresStore(url: url, create: create, localDays: Console.zone.localDays, upgrade: .refuse)
            }
        }
    }
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the store's schema up to this binary's, after a backup; the only command besides `run` that changes a schema.",
            discussion: """
                Stop the older `equipwatch run` first (docs/operations.md, "Upgrades"). On SQLite the store is copied \
                (VACUUM INTO) to a file beside it, named after the first migration to apply, before anything changes; \
                on PostgreSQL back it up with pg_dump first. A store whose schema is newer than this binary's is \
                refused: run the newer binary. Other commands refuse a store older than their binary and point here.

                Example: equipwatch store migrate --data /var/lib/equipwatch
                """)

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let settings = try global.settings()
            let store = try settings.openStore(create: false, upgrade: .migrate)
            let current = SQLiteStore.schemaIdentifiers.last ?? "none"
            let report = (store as? SQLiteStore)?.upgraded ?? (store as? PostgresStore)?.upgraded
            guard let report else { return say("the store's schema is current (\(current)); nothing to migrate") }
            say("migrated the store's schema to \(current): applied \(report.applied.joined(separator: ", "))"
                + (report.backup.map { "; the store as it was is backed up in \($0)" } ?? ""))
        }
    }
}

