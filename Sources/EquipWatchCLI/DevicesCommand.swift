import ArgumentParser
import DeviceCatalog
import Foundation
import Pipeline
import Storage

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List registered devices, or import a registry file.",
        subcommands: [List.self, Import.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registered devices with site category, gateway state (monitored) and last contact.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this device type (elevator, boiler, pressure_vessel, gas_cylinder, forklift).") var type: String?
        @Option(help: "Only this site.") var site: String?
        @Option(help: "Only devices maintained by this firm.") var firm: String?
        @Option(help: "Only devices behind this gateway.") var gateway: String?
        @Option(help: "At most this many rows.") var limit = 10_000

        func run() throws {
            let store = try Store(path: try global.settings().databasePath, create: false)
            output.print(try store.devices(DeviceFilter(type: type, site: site, firm: firm, gateway: gateway), limit: limit))
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a registry file (fleet YAML: firms, sites, gateways, devices) into the store.",
            discussion: """
                The file is checked against the device types in --devices DIR (types/*.yaml) and against the \
                gateways, sites and firms already in that folder's fleet. Nothing is written unless the whole \
                file is valid; errors print as file:line: reason. A running pipeline picks the devices up on SIGHUP.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The registry file.", valueName: "FILE")) var file: String

        func run() throws {
            let settings = try global.settings()
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            let known = (try? Catalog.load(directory: settings.devicesDirectory).fleet) ?? Fleet()
            let fleet = try Catalog.loadFleetFile(file, types: types, existing: known)
            let store = try Store(path: settings.databasePath)
            let n = try store.importFleet(fleet, now: wallMillis())
            print("imported \(n) device(s), \(fleet.gateways.count) gateway(s), \(fleet.sites.count) site(s), \(fleet.firms.count) firm(s) into \(settings.databasePath)")
        }
    }
}
