import Settings
import Presentation
import Domain
import ArgumentParser
import Foundation
import Ingest
import DeviceCatalog
import Maintenance
import SourceFiles
import Pipeline
import Records
import Services
import Storage

struct MaintenanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Report a completed maintenance, or list a device's maintenance records.",
        subcommands: [Done.self, History.self])

    struct Done: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a completed maintenance of a device by its firm.",
            discussion: """
                The firm must be the device's maintenance firm. The record is kept (the law asks for 4 years), the \
                device's open maintenance notices are closed, and a running pipeline begins a new cycle from it within \
                a second: usage counters count again from their current values and the calendar from --at.

                Types whose maintenance needs a certified worker (elevators and escalators: T 电梯修理, TSG Z6001-2019) \
                need --worker-cert: the number of a certificate of that item, valid on the day of the work and held by \
                a worker of the firm (equipwatch certificates lists them). Otherwise the record is refused with the reason.

                Firms' own systems report the same over MQTT: publish {"device": ID, "items": [...], "tiers": [...], "at": TIME, \
                "worker_cert": NUMBER} to equipwatch/v1/maintenance/{firm} (QoS 1).

                Example: equipwatch maintenance done --device 3110120104200700001 --firm firm-haihe \
                --items lubrication --items door-adjustment --at 2026-11-25T09:30:00+08:00 --worker-cert TJ-T-2023-0101
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Registration code of the device.", valueName: "ID")) var device: String
        @Option(help: "The maintenance firm that did the work.") var firm: String
        @Option(parsing: .upToNextOption, help: ArgumentHelp("Work items done (several values, or the option repeated).", valueName: "ITEM"))
        var items: [String] = []
        @Option(parsing: .upToNextOption, help: ArgumentHelp("Item tiers covered beyond the routine ones (TSG T5002-2017): quarterly, half_yearly, yearly.",
                                                             valueName: "TIER"))
        var tiers: [MaintenanceTier] = []
        @Option(help: ArgumentHelp("When the work was finished (RFC 3339, YYYY-MM-DD or epoch ms); default now.", valueName: "TIME"))
        var at: String?
        @Option(name: .customLong("worker-cert"),
                help: ArgumentHelp("Certificate number (特种设备作业人员证) of the worker who did it.", valueName: "NUMBER"))
        var workerCert: String?

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let now = wallMillis()
            let doneAt = try parseTime(at, flag: "--at") ?? now
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            do {
                let r = try store.recordMaintenance(Completion(device: device, firm: firm, items: items, doneAt: doneAt, source: .cli, reportedAt: now,
                                                               tiers: tiers, workerCert: workerCert),
                                                    topics: Topics(prefix: settings.broker.topicPrefix), policy: CompletionPolicy(types: types.values))
                say("maintenance record \(r.record) for \(device) by \(firm) at \(Console.zone.table(doneAt)); closed \(r.closedNotices) open notice(s)")
            } catch {
                throw Refused("refused: \(error)")
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A device's maintenance records, newest first, with the counter values each cycle began from.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Registration code of the device.", valueName: "ID")) var device: String
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(1000)

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            try KnownNames(store: store).check(device: device)
            output.print(try store.maintenanceHistory(device: device, limit: limit.fetch), limit: limit)
        }
    }
}
