import Settings
import Presentation
import Domain
import ArgumentParser
import Foundation
import Pipeline
import Ingest
import Rules
import Records
import Services
import Storage

/// Filters shared by `alarms` and `incidents`.
struct AlarmFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only this device.", valueName: "ID")) var device: String?
    @Option(help: "Only this device type.") var type: String?
    @Option(help: "Only this site.") var site: String?
    @Option(help: "Only devices maintained by this firm.") var firm: String?
    @Option(help: "Only this severity.") var severity: Severity?
    @Option(help: "Only this rule id.") var rule: String?
    @OptionGroup var range: TimeRange

    /// The named device, type, site and firm exist (else "not found", exit 1).
    func checkNames(_ store: any Store) throws {
        try KnownNames(store: store).check(firm: firm, site: site, type: type, device: device)
    }

    func filter() throws -> AlarmFilter {
        var f = AlarmFilter()
        f.device = device
        f.type = type
        f.site = site
        f.firm = firm
        f.severity = severity
        f.rule = rule
        f.from = try range.fromMillis()
        f.to = try range.toMillis()
        f.limit = range.limit.fetch
        return f
    }
}

struct AlarmsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alarms",
        abstract: "List alarms, or acknowledge one.",
        subcommands: [List.self, Ack.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Alarms, newest first, with rule, pack version and the input values that triggered them.",
            discussion: """
                States: pending (the condition holds, `for` has not elapsed), firing, resolved; `--state open` \
                means pending or firing. Acknowledgement (who, when) is independent of the state.

                Example: equipwatch alarms --state open --type elevator --severity critical
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var filters: AlarmFilterOptions
        @Option(help: "Only this state (open: pending or firing).") var state: AlarmStateFilter?

        func run() throws {
            let store = try global.existingStore()
            var f = try filters.filter()
            f.state = state
            f.language = global.language
            try filters.checkNames(store)
            output.print(try store.alarms(f), limit: filters.range.limit)
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge an alarm: records who and when, and tells the alarm feed.",
            discussion: """
                --on-site says the firm is with the trapped passengers: it stops the alarm's rescue clock (the \
                response time counts to it), even when the alarm was acknowledged before.

                Examples:
                  equipwatch alarms ack 42 --by duty-officer-wang
                  equipwatch alarms ack 57 --by technician-li --on-site
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The alarm's id.") var id: Int64
        @Option(help: ArgumentHelp("Who acknowledges.", valueName: "NAME")) var by: String
        @Flag(help: "The firm has reached the trapped passengers (stops the rescue clock).") var onSite = false

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let topics = Topics(prefix: settings.broker.topicPrefix)
            let at = wallMillis()
            switch try store.acknowledge(alarm: id, by: by, at: at, onSite: onSite, topics: topics) {
            case .acknowledged: say("alarm \(id) acknowledged by \(by)")
            case .notFound: throw NotFound("no alarm \(id)")
            case .alreadyAcknowledged(let who, let at):
                say("alarm \(id) was already acknowledged by \(who) at \(Console.zone.table(at))")
            }
        }
    }
}
