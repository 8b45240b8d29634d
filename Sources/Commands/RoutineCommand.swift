import ArgumentParser
import Domain
import Foundation
import Presentation
import Records
import Services
import Settings

extension StaffRole: ExpressibleByArgument {}
extension RoutineKind: ExpressibleByArgument {}

struct RoutineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routine",
        abstract: "Owners' routine (SAMR Order 74: 日管控、周排查、月调度): staff, records, compliance.",
        discussion: """
            Each owner (使用单位) names its principal (主要负责人), safety director (安全总监) and safety officers \
            (安全员). The safety officer records the daily check (daily, per device or site, with anything found), the \
            safety director the weekly hazard check (weekly, an ISO week such as 2026-W49), the principal the monthly \
            review (monthly, 2026-12: decisions, hazards carried over). Periods are owed from the day after the staff \
            were first named; one that ends without its record sends the owner a routine_missing notice \
            (owner-notices/{owner}), counts towards the risk grade's likelihood (Rules/risk.yaml routine_missed) and \
            lowers the owner's compliance rate (stats: routine_compliance).

            Examples:
              equipwatch routine staff set --owner owner-heping-garden-pm --principal 张伟 --safety-director 杨帆 --safety-officer 李娜
              equipwatch routine record --owner owner-heping-garden-pm --kind daily --by 李娜 --findings "3 elevators checked, nothing found"
              equipwatch routine record --owner owner-heping-garden-pm --kind weekly --by 杨帆 --hazards 1 --findings "pit light out at building 3"
              equipwatch routine compliance --from 2026-11-01
            """,
        subcommands: [List.self, Record.self, Staff.self, ComplianceReport.self],
        defaultSubcommand: List.self)

    static var who: String { ProcessInfo.processInfo.environment["USER"] ?? "cli" }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Routine records, newest period first.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Only this owner's.", valueName: "ID")) var owner: String?
        @Option(help: "Only this kind: daily, weekly, monthly.") var kind: RoutineKind?
        @Option(help: "At most this many rows (0: all).") var limit = RowLimit(100)

        func run() throws {
            let store = try global.existingStore()
            output.print(try store.routineRecords(scope: owner.map(Role.owner) ?? .supervisor, kind: kind, fromPeriod: nil, limit: limit.fetch), limit: limit)
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a daily check, a weekly hazard check or a monthly review.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("The owner.", valueName: "ID")) var owner: String
        @Option(help: "daily (the safety officer), weekly (the safety director) or monthly (the principal).") var kind: RoutineKind
        @Option(help: ArgumentHelp("The period: YYYY-MM-DD, YYYY-Www or YYYY-MM (default: the current one).", valueName: "PERIOD")) var period: String?
        @Option(help: ArgumentHelp("The device checked (a daily check).", valueName: "ID")) var device: String?
        @Option(help: ArgumentHelp("The site checked (a daily check).", valueName: "ID")) var site: String?
        @Option(help: ArgumentHelp("The named staff member who held it.", valueName: "NAME")) var by: String
        @Option(help: "What was found, or decided.") var findings = ""
        @Option(help: "Hazards found (daily, weekly) or carried over (monthly).") var hazards = 0

        func run() throws {
            let store = try global.existingStore()
            do {
                let row = try store.recordRoutine(owner: owner, kind: kind, period: period, device: device, site: site, by: by, findings: findings,
                                                  hazards: hazards, scope: .supervisor, recordedBy: RoutineCommand.who, now: wallMillis())
                if output.json || output.csv { output.print([row]) } else { say("routine record \(row.id): \(row.kind.rawValue) \(row.period) of \(row.owner) by \(row.by)") }
            } catch let e as RoutineError {
                throw Refused("refused: --\(e.field.replacingOccurrences(of: "_", with: "-")): \(e.message)")
            }
        }
    }

    struct Staff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The owners' named staff; `set` names an owner's.", subcommands: [Show.self, Name.self],
                                                        defaultSubcommand: Show.self)

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Named staff, by owner.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var output: OutputOptions
            @Option(help: ArgumentHelp("Only this owner's.", valueName: "ID")) var owner: String?

            func run() throws {
                output.print(try global.existingStore().staff(scope: owner.map(Role.owner) ?? .supervisor))
            }
        }

        struct Name: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set", abstract: "Name an owner's principal, safety director and safety officers (replaces the list).")
            @OptionGroup var global: GlobalOptions
            @Option(help: ArgumentHelp("The owner.", valueName: "ID")) var owner: String
            @Option(help: ArgumentHelp("The principal (主要负责人).", valueName: "NAME")) var principal: String
            @Option(name: .customLong("safety-director"), help: ArgumentHelp("The safety director (安全总监).", valueName: "NAME")) var safetyDirector: String
            @Option(name: .customLong("safety-officer"), help: ArgumentHelp("A safety officer (安全员); repeat for several.", valueName: "NAME"))
            var safetyOfficers: [String] = []
            @Option(name: .customLong("director-cert"), help: ArgumentHelp("The safety director's A certificate number.", valueName: "NUMBER"))
            var directorCert: String?

            func run() throws {
                let store = try global.existingStore()
                let members = [StaffMember(role: .principal, name: principal, certificate: nil),
                               StaffMember(role: .safetyDirector, name: safetyDirector, certificate: directorCert)]
                    + safetyOfficers.map { StaffMember(role: .safetyOfficer, name: $0, certificate: nil) }
                do {
                    try store.nameStaff(owner: owner, members, scope: .supervisor, by: RoutineCommand.who, now: wallMillis())
                    say("\(owner): \(members.count) staff named")
                } catch let e as RoutineError {
                    throw Refused("refused: \(e.field): \(e.message)")
                }
            }
        }
    }

    struct ComplianceReport: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "compliance",
                                                        abstract: "Per owner and kind: periods owed, recorded and missed, and the rate.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("From this day (default: 30 days ago).", valueName: "YYYY-MM-DD")) var from: String?
        @Option(help: ArgumentHelp("Through this day (default: yesterday).", valueName: "YYYY-MM-DD")) var to: String?
        @Option(help: ArgumentHelp("Only this owner's.", valueName: "ID")) var owner: String?

        func run() throws {
            let store = try global.existingStore()
            let today = store.localDays.day(wallMillis())
            func day(_ text: String?, _ flag: String, _ fallback: Day) throws -> Day {
                guard let text else { return fallback }
                guard let d = Day(parsing: text) else { throw ValidationError("\(flag) must be a date YYYY-MM-DD, not '\(text)'") }
                return d
            }
            let start = try day(from, "--from", today.adding(days: -30)), end = try day(to, "--to", today.adding(days: -1))
            output.print(try store.routineCompliance(from: start, through: end, today: today, scope: owner.map(Role.owner) ?? .supervisor))
        }
    }
}
