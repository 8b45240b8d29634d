import ArgumentParser
import Domain
import Foundation
import Inspection
import Presentation
import Records
import Services
import Settings
import SourceFiles

struct AccidentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accidents",
        abstract: "Special-equipment accidents (特种设备事故): record, list, show, confirm, investigate.",
        discussion: """
            An accident's class follows the regulations (Rules/accidents.yaml: Special Equipment Safety Supervision \
            Regulations art. 61–64, SAMR Order 50): extraordinary 特别重大 (30 deaths, 100 serious injuries or \
            100 M CNY), major 重大 (10, 50, 50 M), larger 较大 (3, 10, 10 M), and general 一般 below those; a special \
            case (passengers held in an elevator car 2 hours or more: general; a boiler or pressure vessel \
            explosion: larger) sets the class whatever the casualties. The owner reports an accident within 1 hour \
            of it; recording it here is that report, and a record made later is marked late.

            A trapped-passenger alarm still open 2 hours after it fired makes the running pipeline propose an \
            accident (status proposed): the owner or a supervisor confirms it (report) or a supervisor dismisses it \
            with the reason. The investigation (a supervisor) sets the status, revised casualties, cause and findings; \
            the class follows the revised figures.

            Examples:
              equipwatch accidents record --device 31101201022020100001 --at "2026-03-05 14:30" --deaths 0 \\
                  --serious-injuries 1 --loss-cny 20000 --summary "door closed on a passenger"
              equipwatch accidents --year 2026
              equipwatch accidents show 1
              equipwatch accidents report 2 --by "Li Na"
              equipwatch accidents update 1 --status closed --cause "door protection disabled" --findings "…"
            """,
        subcommands: [List.self, Record.self, Show.self, Report.self, Update.self],
        defaultSubcommand: List.self)

    /// The accident policy of the rules folder, or a clear refusal.
    static func policy(_ global: GlobalOptions) throws -> AccidentPolicy {
        let path = try global.settings().rulesDirectory + "/accidents.yaml"
        do { return try AccidentPolicy.load(path: path) } catch { throw Refused("cannot load the accident classes:\n\(error)") }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accidents on record, newest first.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Only accidents of this calendar year (local time).", valueName: "YEAR")) var year: Int?
        @Option(help: ArgumentHelp("Only this status: \(AccidentStatus.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATUS"))
        var status: AccidentStatus?
        @Option(help: ArgumentHelp("Only accidents involving this device.", valueName: "ID")) var device: String?
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

        func run() throws {
            let store = try global.existingStore()
            try KnownNames(store: store).check(firm: nil, device: device)
            var f = AccidentFilter(status: status, device: device, now: wallMillis())
            if let year {
                guard let bounds = StatsReport.year(year, in: store.localDays) else {
                    throw ValidationError("--year must be from \(StatsReport.years.lowerBound) to \(StatsReport.years.upperBound)")
                }
                (f.from, f.to) = (bounds.from, bounds.to)
            }
            f.limit = limit.fetch
            output.print(try store.accidents(f), limit: limit)
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record (report) an accident: its class is decided from the casualties, the loss and the special case.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("device"), help: ArgumentHelp("A device involved (repeat for several; the first is where it happened).", valueName: "ID"))
        var devices: [String] = []
        @Option(help: ArgumentHelp("When it happened: \"YYYY-MM-DD HH:MM\" local time, RFC 3339 or epoch ms.", valueName: "TIME")) var at: String
        @Option(help: "Deaths.") var deaths = 0
        @Option(help: "Serious injuries (including acute industrial poisoning).") var seriousInjuries = 0
        @Option(name: .customLong("loss-cny"), help: "Direct economic loss in CNY.") var lossCny: Int64 = 0
        @Option(help: ArgumentHelp("A special case of Rules/accidents.yaml (elevator_held, pressure_explosion...).", valueName: "CASE"))
        var specialCase: String?
        @Option(help: "Where it happened, in words (default: the device's site).") var place: String?
        @Option(help: "What happened.") var summary: String?
        @Option(help: "Who reports it.") var by = "cli"
        @Option(help: ArgumentHelp("Report as this owner (使用单位): a device of another owner is not found.", valueName: "OWNER")) var owner: String?

        func run() throws {
            let policy = try AccidentsCommand.policy(global)
            let store = try global.existingStore()
            guard let when = try parseTime(at, flag: "--at") else { throw ValidationError("--at is required") }
            let report = AccidentReport(devices: devices, occurredAt: when, place: place, deaths: deaths, seriousInjuries: seriousInjuries,
                                        lossCny: lossCny, specialCase: specialCase, summary: summary)
            do {
                let item = try store.record(accident: report, policy: policy, by: by, scope: owner.map(Role.owner) ?? .supervisor, now: wallMillis())
                if !output.json && !output.csv {
                    say("accident \(item.id) recorded: \(item.class.rawValue) (\(item.class.chinese))\(item.reportLate ? "; reported after the \(Interval(milliseconds: policy.reportWithinMs)) limit" : "")")
                }
                AccidentsCommand.show(item, output)
            } catch let e as AccidentRecordError {
                throw Refused("--\(e.field.replacingOccurrences(of: "_", with: "-")): \(e.message)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One accident, every field.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The accident's id.") var id: Int64

        func run() throws {
            let store = try global.existingStore()
            guard let item = try store.accident(id, scope: .supervisor, now: wallMillis()) else { throw NotFound("no accident \(id)") }
            output.print(sections: [("accident", ResultTable([item]))], records: ["accident"])
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm a proposed accident: it is reported to the supervisor now.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The accident's id.") var id: Int64
        @Option(help: "Who reports it.") var by: String
        @Option(help: ArgumentHelp("Report as this owner (使用单位).", valueName: "OWNER")) var owner: String?

        func run() throws {
            try AccidentsCommand.change(id, status: .reported, by: by, scope: owner.map(Role.owner) ?? .supervisor, global: global, output: output)
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The investigation (a supervisor): status, revised casualties and loss (the class follows), cause and findings.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The accident's id.") var id: Int64
        @Option(help: ArgumentHelp("reported, investigating, closed, dismissed (a proposal that was no accident).", valueName: "STATUS"))
        var status: AccidentStatus?
        @Option(help: "Deaths, as the investigation found.") var deaths: Int?
        @Option(help: "Serious injuries, as the investigation found.") var seriousInjuries: Int?
        @Option(name: .customLong("loss-cny"), help: "Direct economic loss in CNY, as the investigation found.") var lossCny: Int64?
        @Option(help: "The cause found.") var cause: String?
        @Option(help: "The investigation's findings.") var findings: String?
        @Option(help: "Who records it.") var by = "cli"

        func run() throws {
            try AccidentsCommand.change(id, status: status, deaths: deaths, seriousInjuries: seriousInjuries, lossCny: lossCny, cause: cause,
                                        findings: findings, by: by, scope: .supervisor, global: global, output: output)
        }
    }

    /// One accident: `key  value` lines in a terminal; a one-row array with --json and --csv.
    static func show(_ item: AccidentItem, _ output: OutputOptions) {
        if output.json || output.csv { output.print(ResultTable([item])) }
        else { output.print(sections: [("accident", ResultTable([item]))], records: ["accident"]) }
    }

    static func change(_ id: Int64, status: AccidentStatus?, deaths: Int? = nil, seriousInjuries: Int? = nil, lossCny: Int64? = nil,
                       cause: String? = nil, findings: String? = nil, by: String, scope: Role, global: GlobalOptions, output: OutputOptions) throws {
        let policy = try AccidentsCommand.policy(global)
        let store = try global.existingStore()
        do {
            guard let item = try store.update(accident: id, status: status, deaths: deaths, seriousInjuries: seriousInjuries, lossCny: lossCny,
                                              cause: cause, findings: findings, policy: policy, by: by, scope: scope, now: wallMillis()) else {
                throw NotFound("no accident \(id)\(scope == .supervisor ? "" : " within your scope")")
            }
            AccidentsCommand.show(item, output)
        } catch let e as AccidentRecordError {
            throw Refused("--\(e.field.replacingOccurrences(of: "_", with: "-")): \(e.message)")
        }
    }
}
