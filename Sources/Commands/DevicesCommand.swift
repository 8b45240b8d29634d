import Settings
import Presentation
import Domain
import SourceFiles
import ArgumentParser
import DeviceCatalog
import Foundation
import Inspection
import Pipeline
import Records
import Services
import Storage

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List registered devices, show one, or import a registry file.",
        subcommands: [List.self, Show.self, Import.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registered devices with site category, gateway state (monitored), last contact and risk grade.",
            discussion: "Example: equipwatch devices --grade red --type elevator")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this device type (elevator, boiler, pressure_vessel, gas_cylinder, forklift).") var type: String?
        @Option(help: "Only this site.") var site: String?
        @Option(help: "Only devices maintained by this firm.") var firm: String?
        @Option(help: "Only devices of this owner (使用单位).") var owner: String?
        @Option(help: "Only devices behind this gateway.") var gateway: String?
        @Option(help: "Only this risk grade.") var grade: Grade?
        @Flag(help: "Only devices that must not be used (an inspection overdue or failed, or safety grade 5).") var mustNotUse = false
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(10_000)

        func run() throws {
            let store = try global.existingStore()
            var filter = DeviceFilter(type: type, site: site, firm: firm, gateway: gateway, grade: grade)
            filter.owner = owner
            if mustNotUse { filter.mustNotUse = true }
            filter.language = global.language
            try KnownNames(store: store).check(firm: firm, site: site, owner: owner, gateway: gateway, type: type)
            output.print(try store.devices(filter, limit: limit.fetch), limit: limit)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One device: registry data, risk grade with its factor breakdown, maintenance status, notices, inspections.",
            discussion: """
                The risk breakdown lists every factor of the model (Rules/risk.yaml) with its input and value: \
                D = L × E × C, where L adds up the likelihood factors, E comes from the people exposed and C \
                multiplies the consequence factors. The model version names the file's content hash.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: ArgumentHelp("Registration code of the device.", valueName: "ID")) var id: String

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            guard let sections = try DeviceReport.sections(store: store, types: types, device: id, language: global.language,
                                                           now: wallMillis()) else {
                throw NotFound("no registered device \(id)")
            }
            output.print(sections: sections, records: DeviceReport.records)
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
            // Gateways, sites and firms the file may refer to; a folder with errors of its own still
            // lets a self-contained file in, and says why it was not used.
            let known: Fleet
            do { known = try Catalog.load(directory: settings.devicesDirectory).fleet } catch {
                FileHandle.standardError.write(Data("warning: \(settings.devicesDirectory) not used for references: \(error)\n".utf8))
                known = Fleet()
            }
            let fleet = try Catalog.loadFleetFile(file, types: types, existing: known)
            for w in fleet.attributeWarnings(types: types) + fleet.codeWarnings(types: types, known: known.sites) {
                FileHandle.standardError.write(Data("warning: \(w)\n".utf8))
            }
            let store = try settings.openStore(create: true)
            let n = try store.importFleet(fleet, now: wallMillis())
            say("imported \(n) device(s), \(fleet.gateways.count) gateway(s), \(fleet.sites.count) site(s), \(fleet.firms.count) firm(s) into \(settings.storeLocation)")
        }
    }
}
