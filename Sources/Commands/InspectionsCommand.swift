import Settings
import ArgumentParser
import DeviceCatalog
import Domain
import Foundation
import Inspection
import Pipeline
import SourceFiles
import Records
import Services
import Storage

struct InspectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspections",
        abstract: "Statutory inspections: what is due and overdue, results recorded, a device's history (`schedule` plans them).",
        subcommands: [Due.self, Record.self, History.self],
        defaultSubcommand: Due.self)

    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspections due within --within days, and every overdue one, soonest first.",
            discussion: """
                Due dates follow each type's inspection policy (Devices/types/*.yaml) from the device's commissioning \
                date, last inspections and safety grade. Owners must apply for an inspection at least a month before it \
                is due.

                Examples:
                  equipwatch inspections due --within 30 --csv
                  equipwatch inspections due --owner owner-nankai-edu     (one owner's devices)
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Days ahead of today.", valueName: "DAYS")) var within = 30
        @Option(help: "Only this owner's devices (使用单位): what it must apply for and prepare.") var owner: String?
        @Option(help: "Only devices maintained by this firm.") var firm: String?

        func validate() throws {
            if owner != nil && firm != nil { throw ValidationError("choose one of --owner and --firm") }
        }

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            try KnownNames(store: store).check(firm: firm, owner: owner)
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            let today = store.localDays.day(wallMillis())
            let scope: Role = owner.map { .owner($0) } ?? firm.map { .firm($0) } ?? .supervisor
            output.print(try InspectionSchedule.due(store: store, types: types, today: today, until: today.adding(days: within), scope: scope))
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an inspection result: it moves the due dates and may make the device must-not-use.",
            discussion: """
                A failed inspection, or a pressure vessel's safety grade 5, means the device must not be used until a \
                passing inspection of that kind is recorded (Special Equipment Safety Law art. 40). A passed inspection \
                of a kind that grades safety (pressure vessel periodic) needs --grade: it sets the next interval. A \
                running pipeline notices the record within one check (Devices/inspection_plan.yaml check_every) and \
                sends the notices.

                Examples:
                  equipwatch inspections record --device 3100120104201700209 --kind periodic --date 2026-11-20 --result pass --grade 2
                  equipwatch inspections record --device 1100120104201400007 --kind external --date 2026-11-25 --result fail \
                    --organisation "Tianjin Special Equipment Inspection Institute" --report TJ-2026-0815
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Registration code of the device.", valueName: "ID")) var device: String
        @Option(help: ArgumentHelp("Inspection kind of the device's type (elevator: periodic, self_test; boiler: external, internal, hydrostatic; ...).", valueName: "KIND")) var kind: String
        @Option(help: ArgumentHelp("Day of the inspection (YYYY-MM-DD).", valueName: "DAY")) var date: Day
        @Option(help: "Outcome.") var result: InspectionResult
        @Option(help: ArgumentHelp("Safety grade 1–5 (pressure vessel periodic inspections).", valueName: "N")) var grade: Int?
        @Option(help: ArgumentHelp("The inspector.", valueName: "NAME")) var inspector: String?
        @Option(help: ArgumentHelp("The inspection organisation (检验机构).", valueName: "NAME")) var organisation: String?
        @Option(help: ArgumentHelp("The report's number.", valueName: "NUMBER")) var report: String?
        @Option(help: ArgumentHelp("Who records it (default: the OS user).", valueName: "NAME")) var by: String?

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
            let record = InspectionRecord(device: device, kind: kind, date: date, result: result, grade: grade, inspector: inspector,
                                          organisation: organisation, reportNumber: report, source: .cli, recordedBy: who)
            let recorded: (id: Int64, mustNotUse: MustNotUseReason?, words: Prose?)?
            let topics = Topics(prefix: settings.broker.topicPrefix)
            do { recorded = try store.record(inspection: record, types: types, topics: topics, now: wallMillis()) }
            catch let e as InspectionRecordError { throw Refused("--\(e.field == "report_no" ? "report" : e.field): \(e.message)") }
            guard let (id, _, reason) = recorded else { throw NotFound("no registered device \(device)") }
            say("inspection \(id) recorded: \(device) \(kind) \(date) \(result.rawValue)\(grade.map { " grade \($0)" } ?? "")")
            say(reason.map { global.language == .zh ? "该设备禁止使用：\($0.zh)" : "the device must not be used: \($0.en)" }
                ?? (global.language == .zh ? "该设备可以使用" : "the device may be used"))
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A device's recorded inspections, newest first (registry dates show as source 'registry').",
            discussion: "Example: equipwatch inspections history --device 3100120104201700209")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Registration code of the device.", valueName: "ID")) var device: String

        func run() throws {
            let store = try global.existingStore()
            guard try store.registeredDevice(device) != nil else { throw NotFound("no registered device \(device)") }
            output.print(try store.inspectionHistory(device: device))
        }
    }
}
