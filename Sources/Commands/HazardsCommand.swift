import SourceFiles
import Settings
import ArgumentParser
import DeviceCatalog
import Domain
import Foundation
import Pipeline
import Presentation
import Records
import Services
import Storage

struct HazardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hazards",
        abstract: "Major hazards (GB 45067-2024) and their closure (销号): list, show, rectify, confirm, close.",
        discussion: """
            A rule marked `hazard: true` (a bridged door lock, dead door anti-pinch protection...) raises a major \
            hazard: the device must not be used until the hazard is closed. A maintenance record does not lift it. \
            The firm reports the rectification naming the hazard (rectify), the owner confirms it (confirm), and an \
            inspection body or the supervisor verifies on site and closes it (close), with who, which organisation \
            and when. Only the closure lifts "must not be used"; a supervisor who verifies on site may close a hazard \
            whatever steps are recorded. The new status, its notice and its stream event are written with the step.

            Examples:
              equipwatch hazards list --open
              equipwatch hazards show 3
              equipwatch hazards rectify 3 --firm firm-haihe --by "Wang Wei" --note "door lock wiring restored"
              equipwatch hazards confirm 3 --owner owner-tianjin-hospital --by "Li Na"
              equipwatch hazards close 3 --by "Zhao Gang" --organisation "Tianjin Special Equipment Inspection Institute"
            """,
        subcommands: [List.self, Show.self, Rectify.self, Confirm.self, Close.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Major hazards: open ones first (longest waiting on top), then closed ones, newest first.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Only open hazards (the device must not be used).") var open = false
        @Flag(help: "Only closed hazards.") var closed = false
        @Option(help: ArgumentHelp("Only this device.", valueName: "ID")) var device: String?
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

        func validate() throws {
            if open && closed { throw ValidationError("choose one of --open and --closed") }
        }

        func run() throws {
            let store = try global.existingStore()
            try KnownNames(store: store).check(firm: nil, device: device)
            var f = HazardFilter(open: open ? true : closed ? false : nil, device: device)
            f.limit = limit.fetch
            output.print(try store.hazards(f), limit: limit)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One hazard with its timeline: raised, rectified, confirmed, closed.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The hazard's id.") var id: Int64

        func run() throws {
            let store = try global.existingStore()
            guard let hazard = try store.hazard(id) else { throw NotFound("no hazard \(id)") }
            output.print(sections: [("hazard", ResultTable([hazard])), ("timeline", ResultTable(try store.hazardSteps(id)))],
                         records: ["hazard"])
        }
    }

    /// What the three steps share: the store, the step, and the answer.
    static func record(_ step: HazardStep, id: Int64, party: String, scope: Role, by: String, organisation: String?,
                       note: String?, global: GlobalOptions) throws {
        for (name, value) in [("--by", by), ("--organisation", organisation ?? ""), ("--note", note ?? "")] where value.unicodeScalars.count > 500 {
            throw Refused("\(name): at most 500 characters")
        }
        guard !by.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refused("--by: name the person") }
        let settings = try global.settings()
        let store = try settings.existingStore()
        let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
        let settler = ComplianceSettlement.settler(types: types, topics: Topics(prefix: settings.broker.topicPrefix), days: store.localDays)
        let draft = HazardStepDraft(hazard: id, step: step, party: party, by: by, organisation: organisation, note: note, at: wallMillis())
        switch try store.addHazardStep(draft, scope: scope, settle: settler) {
        case .notFound:
            throw NotFound("no hazard \(id)\(scope == .supervisor ? "" : " of \(party)")")
        case .alreadyClosed(let who, let at):
            throw Refused("hazard \(id) was closed by \(who) at \(Console.zone.table(at)); nothing more is recorded on it")
        case .recorded(let stepId, _, _):
            guard let h = try store.hazard(id) else { return }
            say("hazard \(id) \(step.rawValue) by \(by) (step \(stepId)): \(h.device) \(h.rule)")
            say(h.status == .closed ? "the hazard is closed" : "the hazard stays open: the device must not be used until it is closed")
        }
    }

    struct Rectify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The firm reports the hazard rectified (a step on its timeline; the hazard stays open until closed).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The hazard's id.") var id: Int64
        @Option(help: "The device's maintenance firm: a hazard of another firm's device is reported as not found.") var firm: String
        @Option(help: "Who reports it.") var by: String
        @Option(help: "What was done.") var note: String?

        func run() throws {
            try HazardsCommand.record(.rectified, id: id, party: firm, scope: .firm(firm), by: by, organisation: firm, note: note, global: global)
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The owner (使用单位) confirms the rectification (a step on its timeline; the hazard stays open until closed).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The hazard's id.") var id: Int64
        @Option(help: "The device's owner: a hazard of another owner's device is reported as not found.") var owner: String
        @Option(help: "Who confirms it.") var by: String
        @Option(help: "Anything to add.") var note: String?

        func run() throws {
            try HazardsCommand.record(.confirmed, id: id, party: owner, scope: .owner(owner), by: by, organisation: owner, note: note, global: global)
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify and close the hazard (销号): an inspection body or the supervisor; the device may be used again if nothing else forbids it.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The hazard's id.") var id: Int64
        @Option(help: "Who verified it.") var by: String
        @Option(help: "The inspection body or supervision bureau.") var organisation: String
        @Option(help: "What was verified.") var note: String?

        func run() throws {
            try HazardsCommand.record(.closed, id: id, party: "supervisor", scope: .supervisor, by: by, organisation: organisation, note: note,
                                      global: global)
        }
    }
}
