import Settings
import ArgumentParser
import DeviceCatalog
import Domain
import Foundation
import Inspection
import Pipeline
import SourceFiles
import Presentation
import Records
import Services
import Storage

/// How `schedule` prints the plan.
enum PlanFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, csv, ics
}

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Plan the statutory inspections of a period for a given capacity.",
        discussion: """
            Takes every inspection due by --to (and the overdue ones), and turns them into visits: one inspector, one \
            site, one working day, the site's inspections planned that day. Capacity counts inspections: each of \
            --inspectors makes at most --per-day inspections a working day, at one site or several; working days come \
            from Devices/calendar/ (public holidays, and weekend days made working days, 调休). Overdue inspections come \
            first, then by risk grade, then by due date; red and orange devices are brought forward \
            (Devices/inspection_plan.yaml); nothing due after --to is planned; nothing is planned after its due date \
            while capacity remains; what cannot fit is listed with its reason. The owners' own inspections (an \
            elevator's self-test, TSG T7008-2023) are listed for the owners, not booked on an inspector. The same \
            inputs give the same plan.

            Examples:
              equipwatch schedule --from 2026-12-01 --to 2027-02-28 --inspectors 3 --per-day 4
              equipwatch schedule --from 2026-12-01 --to 2026-12-31 --format ics > inspections.ics
              equipwatch schedule --format ics --inspector 2 > inspector-2.ics
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("First day of the plan (YYYY-MM-DD); default today.", valueName: "DAY")) var from: String?
    @Option(help: ArgumentHelp("Last day of the plan (YYYY-MM-DD); default 90 days after --from.", valueName: "DAY")) var to: String?
    @Option(help: "Inspectors available each working day.") var inspectors = 2
    @Option(help: "Inspections one inspector makes in a working day.") var perDay = 4
    @Option(help: "table, json, csv or ics (RFC 5545, one event per visit).") var format: PlanFormat = .table
    @Option(help: ArgumentHelp("With --format ics: only this inspector's visits.", valueName: "N")) var inspector: Int?

    func validate() throws {
        if inspectors < 0 { throw ValidationError("--inspectors must be 0 or more") }
        if perDay < 0 { throw ValidationError("--per-day must be 0 or more") }
        if inspector != nil && format != .ics { throw ValidationError("--inspector goes with --format ics") }
    }

    func run() throws {
        let settings = try global.settings()
        let start = try day(from, flag: "--from") ?? Console.zone.localDays.day(wallMillis())
        let end = try day(to, flag: "--to") ?? start.adding(days: 90)
        guard start <= end else { throw ValidationError("--to (\(end)) is before --from (\(start))") }
        guard start.days(to: end) <= 731 else { throw ValidationError("plan at most two years at a time (--from \(start), --to \(end))") }
        let store = try settings.existingStore()
        let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
        let calendar = try WorkCalendar.load(directory: settings.devicesDirectory + "/calendar")
        let policy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
        let request = try InspectionSchedule.request(store: store, types: types, calendar: calendar, policy: policy, from: start, to: end,
                                                     inspectors: inspectors, inspectionsPerDay: perDay)
        let plan = InspectionPlanner.plan(request)
        switch format {
        case .json: Console.write(plan.json())
        case .csv: Console.write(plan.csv())
        case .ics: Console.write(plan.ics(stamp: wallMillis(), inspector: inspector))
        case .table: Console.write(Self.table(plan))
        }
    }

    /// The plan's columns (the terminal view knows their layout).
    static let visitColumns = ["date", "inspector", "site", "device", "type", "kind", "due", "risk", "overdue"]
    static let dutyColumns = ["device", "type", "kind", "due", "overdue", "owner", "site"]

    static func table(_ plan: InspectionPlan) -> String {
        var visits = ResultTable(columns: visitColumns)
        for v in plan.visits {
            for e in v.items {
                visits.rows.append([.text(v.date.description), .int(Int64(v.inspector)), .text(v.siteName), .text(e.device), .text(e.type),
                                    .text(e.kind), .text(e.due.description), e.grade.map { .text($0.rawValue) } ?? .null, .bool(e.overdue)])
            }
        }
        var out = TerminalTable.render(visits)
        if !plan.unassigned.isEmpty {
            var rest = ResultTable(columns: ["device", "type", "kind", "due", "risk", "reason"])
            for u in plan.unassigned {
                rest.rows.append([.text(u.device), .text(u.type), .text(u.kind), .text(u.due.description),
                                  u.grade.map { .text($0.rawValue) } ?? .null, .text(u.reason)])
            }
            out += "\nunassigned:\n" + TerminalTable.render(rest)
        }
        if !plan.ownerDuties.isEmpty {
            var duties = ResultTable(columns: dutyColumns)
            for o in plan.ownerDuties {
                duties.rows.append([.text(o.device), .text(o.type), .text(o.kind), .text(o.due.description), .bool(o.overdue), .text(o.owner), .text(o.site)])
            }
            out += "\nthe owners' own inspections (not booked on an inspector):\n" + TerminalTable.render(duties)
        }
        let s = plan.summary
        var prose = ["\(s.from) to \(s.to): \(s.workingDays) working days, capacity \(s.capacity) inspections; \(s.visits) visits planned for "
            + "\(s.scheduled) of \(s.inspections) inspections (\(s.onTime) on time, \(s.late) after their due date, \(s.overdueAtStart) overdue "
            + "at the start, \(s.forwarded) brought forward by risk); \(s.unassigned) unassigned; \(s.ownerDuties) owners' own inspections"]
        prose += s.caveats.map { "note: \($0)" }
        out += "\n"
        for p in prose { out += TerminalTable.wrapped(p, TerminalTable.width).joined(separator: "\n") + "\n" }
        return out
    }
}

/// A day option: `YYYY-MM-DD`.
func day(_ text: String?, flag: String) throws -> Day? {
    guard let text else { return nil }
    guard let d = Day(parsing: text) else { throw ValidationError("\(flag) '\(text)' is not a date YYYY-MM-DD") }
    return d
}
