import Domain
import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Storage

struct NoticesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Notices sent to maintenance firms, or acknowledge one.",
        subcommands: [List.self, Ack.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notices, newest first: maintenance_due, maintenance_overdue, fault_followup, regime_changed, risk_red.",
            discussion: """
                Each notice was published once on equipwatch/v1/notices/{firm} (QoS 1). Status: open (sent), acked (the \
                firm confirmed it), closed (a completed maintenance closed it).

                Example: equipwatch notices --firm firm-haihe --status open
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only notices to this firm.") var firm: String?
        @Option(help: "Only this status (open: sent; acked: confirmed by the firm; closed: by a completed maintenance).") var status: NoticeStatus?
        @Option(help: ArgumentHelp("Only this device.", valueName: "ID")) var device: String?
        @Option(help: "Only this kind.") var kind: NoticeKind?
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

        func run() throws {
            let store = try Store(path: try global.settings().databasePath, create: false)
            var f = NoticeFilter()
            f.firm = firm
            f.status = status
            f.device = device
            f.kind = kind
            f.limit = limit.fetch
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
            let store = try Store(path: try global.settings().databasePath, create: false)
            switch try store.acknowledge(notice: id, firm: firm, by: by, at: wallMillis()) {
            case .acknowledged: say("notice \(id) acknowledged by \(by)")
            case .notFound: throw NotFound("no notice \(id)\(firm.map { " for firm \($0)" } ?? "")")
            case .alreadyAcknowledged(let who, let at): say("notice \(id) was already acknowledged by \(who) at \(Console.zone.table(at))")
            }
        }
    }
}
