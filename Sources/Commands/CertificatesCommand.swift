import ArgumentParser
import Domain
import Foundation
import Inspection
import Presentation
import Records
import Services
import Settings
import SourceFiles
import Source

struct CertificatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificates",
        abstract: "Workers' certificates (特种设备作业人员证): import the registry, list them, see which expire soon.",
        discussion: """
            A certificate names its holder, its item (T 电梯修理, P 气瓶充装, G1 工业锅炉司炉, R1 快开门式压力容器操作, \
            N1 叉车司机, A 特种设备安全管理, …), the day it was issued or last reviewed, its issuing authority and the \
            holder's employer (firm:ID or owner:ID). It is valid 4 years (TSG Z6001-2019; Devices/inspection_plan.yaml \
            certificates.valid_years) unless the file gives valid_until. No national ID numbers are stored.

            Maintenance of an elevator or escalator is recorded only with a valid T certificate of a worker of the \
            reporting firm (maintenance done --worker-cert); a cylinder fill by a filler without a valid P \
            certificate is stored and flagged with a filler_uncertified notice to the station's firm. The employer is \
            reminded 90 days before a certificate ends (certificates.reminder_lead_days).

            Examples:
              equipwatch certificates import Devices/people/certificates.yaml
              equipwatch certificates --expiring-within 90
              equipwatch certificates --json
            """,
        subcommands: [List.self, Import.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Certificates, soonest end first, with days left and status.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("expiring-within"), help: ArgumentHelp("Only those ending within this many days (or already ended).", valueName: "DAYS"))
        var expiringWithin: Int?
        @Option(help: ArgumentHelp("Only those of this employer (firm:ID or owner:ID).", valueName: "PARTY")) var employer: String?

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let policy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
            var scope = Role.supervisor
            if let employer {
                guard let r = Role(parsing: employer), r != .supervisor else { throw ValidationError("--employer is firm:ID or owner:ID") }
                scope = r
            }
            let rows = try store.certificateRows(scope: scope, today: store.localDays.day(wallMillis()), leadDays: policy.certificateReminderDays,
                                                 expiringWithin: expiringWithin)
            output.print(rows)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace certificates from a file (by number); every problem is named with its line.",
            discussion: """
                The file holds a list under certificates:, each with number, holder, item, issued, authority, \
                employer and, optionally, valid_until. A running pipeline picks the changes up at its next compliance \
                check (check_every, 1 min).
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The certificates file (YAML).", valueName: "FILE")) var file: String
        @Option(help: ArgumentHelp("Who imports it (default: the OS user).", valueName: "NAME")) var by: String?

        func run() throws {
            let settings = try global.settings()
            let store = try settings.existingStore()
            let policy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
            let source = try SourceFolder.read(file)
            let certificates = try PeopleFiles.certificates(text: source.text, file: source.file, validYears: policy.certificateValidYears)
            let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
            do {
                let n = try store.importCertificates(certificates, by: who, now: wallMillis())
                say("imported \(n) certificate(s) from \(file)")
            } catch let e as PeopleRecordError {
                throw Refused("refused: \(e)")
            }
        }
    }
}
