import Domain
import ArgumentParser
import Records
import Storage

struct ReadingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readings",
        abstract: "Stored readings of one device, newest first.",
        discussion: "Example: equipwatch readings --device 31101201042019000001 --from 2026-11-24 --limit 20 --json")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Registration code of the device.", valueName: "ID")) var device: String
    @OptionGroup var range: TimeRange

    func run() throws {
        let store = try global.existingStore()
        try KnownNames(store: store).check(device: device)
        output.print(try store.readings(device: device, from: try range.fromMillis(), to: try range.toMillis(), limit: range.limit.fetch), limit: range.limit)
    }
}

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Device events and events the pipeline derived (seq_gap, seq_reset, out_of_normal_band...).",
        discussion: """
            The controllers' own events (trapped, door faults...) come first, newest first, then the derived ones; \
            --source device or --source pipeline shows one kind only, --code one code.

            Example: equipwatch events --source device --code trapped
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Only this device.", valueName: "ID")) var device: String?
    @Option(help: ArgumentHelp("Only this event code.", valueName: "CODE")) var code: String?
    @Option(help: "Only events sent by devices, or only those the pipeline derived.") var source: EventSource?
    @OptionGroup var range: TimeRange

    func run() throws {
        let store = try global.existingStore()
        try KnownNames(store: store).check(device: device)
        output.print(try store.events(device: device, code: code, from: try range.fromMillis(), to: try range.toMillis(),
                                      limit: range.limit.fetch, scope: .supervisor, after: nil, source: source, deviceFirst: true),
                     limit: range.limit)
    }
}

struct DeadLettersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadletters",
        abstract: "Rejected messages with their reason, topic and payload, newest first.",
        discussion: """
            Reasons: bad_topic, too_large, malformed_json, schema, out_of_range, unknown_device, unknown_gateway, \
            gateway_not_bound, stale, future, wrong_firm, certificate, store_rejected. A rejected element of a gateway batch is stored alone, so it can be \
            corrected and re-sent.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Only this reason.", valueName: "REASON")) var reason: DeadLetterReason?
    @OptionGroup var range: TimeRange

    func run() throws {
        let store = try global.existingStore()
        output.print(try store.deadLetters(reason: reason, from: try range.fromMillis(), to: try range.toMillis(), limit: range.limit.fetch), limit: range.limit)
    }
}

/// `--from`, `--to` and `--limit`, shared by the listing commands.
struct TimeRange: ParsableArguments {
    @Option(help: ArgumentHelp("At or after this time (RFC 3339, YYYY-MM-DD or epoch ms).", valueName: "TIME")) var from: String?
    @Option(help: ArgumentHelp("At or before this time.", valueName: "TIME")) var to: String?
    @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

    func fromMillis() throws -> Int64? { try parseTime(from, flag: "--from") }
    func toMillis() throws -> Int64? { try parseTime(to, flag: "--to") }
}
