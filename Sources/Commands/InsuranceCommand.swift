import ArgumentParser
import Domain
import Foundation
import Inspection
import Presentation
import Records
import Services
import Settings
import SourceFiles
import Source
import DeviceCatalog

struct InsuranceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insurance",
        abstract: "Liability insurance policies for elevators and gas cylinders: import, list, coverage.",
        discussion: """
            A policy covers one device, or the devices of the types it names in its owner's fleet, from valid_from \
            to valid_to (both days included). A valid policy is one of the conditions of on-demand maintenance \
            (国市监特设〔2020〕56号; `insurance: true` in a type's on_demand.eligibility): when the cover lapses the \
            device returns to the fixed regime with a regime_changed notice, and a renewal restores it. The owner \
            is reminded 30 days before a policy ends (Devices/inspection_plan.yaml insurance.reminder_lead_days).

            Examples:
              equipwatch insurance import Devices/people/insurance.yaml
              equipwatch insurance --expiring-within 30
              equipwatch insurance coverage
            """,
        subcommands: [List.self, Import.self, Coverage.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Policies, soonest end first, with the devices each covers today.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("expiring-within"), help: ArgumentHelp("Only those ending within this many days (or already ended).", valueName: "DAYS"))
        var expiringWithin: Int?
        @Option(help: ArgumentHelp("Only this owner's.", valueName: "ID")) var owner: String?

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let policy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
            let rows = try store.policyRows(scope: owner.map(Role.owner) ?? .supervisor, today: store.localDays.day(wallMillis()),
                                            leadDays: policy.insuranceReminderDays, expiringWithin: expiringWithin)
            output.print(rows)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace policies from a file (by number); every problem is named with its line.",
            discussion: """
                The file holds a list under policies:, each with number, insurer, owner, cover_cny, valid_from, \
                valid_to and either device or types. A running pipeline applies the cover at its next compliance check.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The policies file (YAML).", valueName: "FILE")) var file: String
        @Option(help: ArgumentHelp("Who imports it (default: the OS user).", valueName: "NAME")) var by: String?

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            let source = try SourceFolder.read(file)
            let policies = try PeopleFiles.policies(text: source.text, file: source.file)
            let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
            do {
                let n = try store.importPolicies(policies, types: Set(types.keys), by: who, now: wallMillis())
                say("imported \(n) insurance polic\(n == 1 ? "y" : "ies") from \(file)")
            } catch let e as PeopleRecordError {
                throw Refused("refused: \(e)")
            }
        }
    }

    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The share of elevators, escalators and gas cylinders insured today, per district and owner.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let policy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
            output.print(try store.insuranceCoverage(types: policy.insuredTypes, today: store.localDays.day(wallMillis()), scope: .supervisor))
        }
    }
}
