import Presentation
import Domain
import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Records
import Services
import Storage

struct NoticesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Notices sent to maintenance firms, or acknowledge one.",
        subcommands: [List.self, Ack.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notices to firms, newest first: maintenance, fault follow-ups, inspections, rescue, risk, refused fills.",
            discussion: """
                Each notice was published once on equipwatch/v1/notices/{firm} (QoS 1). Status: open (sent), acked (the \
                firm confirmed it), closed (a completed maintenance closed it).

                A dispatcher's queue: --due-within 3d lists the notices not yet closed that fall due within three \
                days (and those already overdue), soonest first; --overdue only those past their due time.

                Examples:
                  equipwatch notices --firm firm-haihe --status open
                  equipwatch notices --firm firm-haihe --due-within 3d
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only notices to this firm.") var firm: String?
        @Option(help: "Only this status (open: sent; acked: confirmed by the firm; closed: by a completed maintenance).") var status: NoticeStatus?
        @Option(help: ArgumentHelp("Only this device.", valueName: "ID")) var device: String?
        @Option(help: "Only this kind.") var kind: NoticeKind?
        @Option(help: ArgumentHelp("Not closed and due within this time (3d, 12h), soonest first.", valueName: "DURATION")) var dueWithin: String?
        @Flag(help: "Not closed and past their due time, soonest first.") var overdue = false
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

        func validate() throws {
            if let d = dueWithin, (Interval(parsing: d)?.milliseconds ?? -1) < 0 {
                throw ValidationError("--due-within '\(d)' is not a duration such as 3d or 12h")
            }
            if dueWithin != nil && overdue { throw ValidationError("choose one of --due-within and --overdue") }
        }

        func run() throws {
            let store = try global.existingStore()
            var f = NoticeFilter()
            f.firm = firm
            f.status = status
            f.device = device
            f.kind = kind
            f.language = global.language
            f.limit = limit.fetch
            let now = wallMillis()
            if overdue { f.dueBefore = now }
            if let d = dueWithin, let i = Interval(parsing: d) { f.dueBefore = now + i.milliseconds }
            try KnownNames(store: store).check(firm: firm, device: device)
            output.print(try store.notices(f), limit: limit)
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge a notice on behalf of its firm (who and when are recorded; the first acknowledgement stays).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The notice's id.") var id: Int64
        @Option(help: "Who acknowledges (a person or the firm's system).") var by: String
        @Option(help: "The firm acknowledging: a notice of another firm is reported as not found.") var firm: String?

        func run() throws {
            let store = try global.existingStore()
            switch try store.acknowledge(notice: id, firm: firm, by: by, at: wallMillis()) {
            case .acknowledged: say("notice \(id) acknowledged by \(by)")
            case .notFound: throw NotFound("no notice \(id)\(firm.map { " for firm \($0)" } ?? "")")
            case .alreadyAcknowledged(let who, let at): say("notice \(id) was already acknowledged by \(who) at \(Console.zone.table(at))")
            }
        }
    }
}
