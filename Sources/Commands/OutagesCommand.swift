import ArgumentParser
import Domain
import Pipeline
import Records
import Services
import Storage

struct OutagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outages",
        abstract: "The pipeline's own outages: when it was not receiving (broker, store, backlog), newest first.",
        discussion: """
            While the pipeline is not receiving, silence is not counted against devices: no "monitoring lost" \
            alarm, no monitoring gap in the risk grade. It counts again rules.outage_grace (30 s) after the \
            pipeline receives again. Each outage is one row here (and in GET /v1/outages for supervisors); \
            an outage still going on has no end.

            Example: equipwatch outages --limit 20
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

    func run() throws {
        let store = try global.existingStore()
        output.print(try store.outages(limit: limit.fetch, now: wallMillis()), limit: limit)
    }
}
