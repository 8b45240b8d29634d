import ArgumentParser
import Records
import Storage

/// `equipwatch cylinders history ID`: a gas cylinder's fills (traceability, 追溯).
struct CylindersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cylinders",
        abstract: "Gas cylinders, traced through their fills.",
        subcommands: [History.self])

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A cylinder's fills, newest first: station and licence, filler, gun, gas, masses, pressure, and the fill check.",
            discussion: """
                Every fill record a licensed station's gateway reports is checked before the rules see it: a cylinder \
                overdue for inspection, past its service life, scrapped, the wrong gas for the station or the cylinder, \
                above its nominal fill or with a failed pre-fill check is 'refused' (a critical incident, and a \
                fill_refused notice to the station's firm). Field meanings: docs/contract.md.

                Example: equipwatch cylinders history 2300120104202400276 --limit 20
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: ArgumentHelp("Registration code of the cylinder.", valueName: "ID")) var id: String
        @Option(help: "At most this many fills (0: all).") var limit = RowLimit(100)

        func run() throws {
            let store = try global.existingStore()
            guard try store.registeredDevice(id) != nil else { throw NotFound("no registered device \(id)") }
            output.print(try store.fills(device: id, limit: limit.fetch), limit: limit)
        }
    }
}
