import ArgumentParser
import Domain
import Foundation
import Presentation
import Records
import Services

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The evidence chain: verify it, seal new rows, list the daily heads, export an incident's bundle.",
        discussion: """
            Incident timelines, the readings kept as incident evidence and accident records (each version) are \
            hashed into one chain, each entry's hash covering the one before. The running pipeline seals new rows \
            at each compliance check (Devices/inspection_plan.yaml check_every, 1 min) and records the chain's head \
            for each day. `verify` recomputes every link and compares every sealed row with its entry: a row edited \
            afterwards (with the sqlite3 shell, psql, anything) or an entry edited, removed or inserted is named, \
            first entry first, and the exit status is 1. `export` writes what an investigator needs to check an \
            incident without the database: its rows, the chain's hashes, the daily heads and a Python 3 script.

            Examples:
              equipwatch audit verify
              equipwatch audit verify --from 2026-12-01 --to 2026-12-08
              equipwatch audit export --incident 12 --out ./incident-12
            """,
        subcommands: [Verify.self, Seal.self, Heads.self, Export.self],
        defaultSubcommand: Verify.self)

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the chain and compare every sealed row; exit 1 naming the first entry that does not match.")

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Only rows sealed at or after this time (the chain's links are always checked whole).", valueName: "TIME"))
        var from: String?
        @Option(help: ArgumentHelp("Only rows sealed before this time.", valueName: "TIME")) var to: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let store = try global.existingStore()
            let v = try EvidenceAudit.verify(store, from: try parseTime(from, flag: "--from"), to: try parseTime(to, flag: "--to"))
            if json {
                Console.write(v.json() + "\n")
            } else if let first = v.findings.first {
                say("audit: does not match at \(first)")
                for f in v.findings.dropFirst().prefix(20) { say("  also \(f)") }
                if v.findings.count > 21 { say("  … \(v.findings.count - 21) more") }
            } else {
                say("audit: \(v.entries) entries, every link holds; \(v.rows) sealed rows match\(v.pending > 0 ? "; \(v.pending) rows not sealed yet" : "")")
                if let h = v.head { say("head: entry \(h.seq) \(h.hash)") }
            }
            if !v.findings.isEmpty { throw ExitCode(1) }
        }
    }

    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal the rows not sealed yet now (the running pipeline does this at each compliance check).")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try global.existingStore()
            let n = try EvidenceAudit.seal(store, now: wallMillis())
            say("audit: \(n) rows sealed\((try store.auditTip()).map { "; head: entry \($0.seq) \($0.hash)" } ?? "")")
        }
    }

    struct Heads: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The chain's head at the end of each day: keep copies elsewhere to anchor it.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws { output.print(try global.existingStore().auditHeads()) }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write an incident's evidence bundle (rows, chain hashes, daily heads, verify.py) to a folder.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "The incident's id.") var incident: Int64
        @Option(help: ArgumentHelp("The folder to write (created; files in it are replaced).", valueName: "DIR")) var out: String

        func run() throws {
            let store = try global.existingStore()
            guard let files = try EvidenceAudit.bundle(store, incident: incident) else { throw NotFound("no incident \(incident) with evidence") }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for f in files { try f.text.write(toFile: out + "/" + f.name, atomically: true, encoding: .utf8) }
            say("audit: incident \(incident)'s bundle written to \(out) (\(files.map(\.name).joined(separator: ", "))); check it with python3 \(out)/verify.py")
        }
    }
}
