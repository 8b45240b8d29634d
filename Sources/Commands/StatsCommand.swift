import ArgumentParser
import Domain
import Inspection
import SourceFiles
import Pipeline
import Records
import Services
import Storage
import Settings

extension StatsDimension: ExpressibleByArgument {}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Statistics for supervisors and the yearly accident report.",
        discussion: """
            Sections: alarms and incidents by each --by dimension (fired in the period); trapped-passenger rescue \
            response per firm (median and p90 minutes from firing to resolution, median to the on-site \
            acknowledgement, how many within the deadline of Devices/types/elevator.yaml rescue.within, missed, \
            still running); maintenance notices with a deadline in the period done on time per firm; inspections \
            recorded in the period (passed, failed, on time against the due date they had) and the devices that \
            must not be used now; devices per risk grade.

            --year gives the yearly report's tables (by month, type, severity and firm) for that calendar year.
            Months are UTC months.

            Examples:
              equipwatch stats --year 2026
              equipwatch stats --from 2026-10-01 --to 2026-11-01 --by firm --by rule --json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Start of the period (YYYY-MM-DD, inclusive); default a year before --to.", valueName: "DAY")) var from: Day?
    @Option(help: ArgumentHelp("End of the period (YYYY-MM-DD, exclusive); default now.", valueName: "DAY")) var to: Day?
    @Option(help: "Count alarms and incidents by this (repeatable; default type and severity).") var by: [StatsDimension] = []
    @Option(help: ArgumentHelp("A calendar year: the yearly accident report.", valueName: "YEAR")) var year: Int?

    func validate() throws {
        if year != nil, from != nil || to != nil { throw ValidationError("give --year or --from/--to, not both") }
        if let year, StatsReport.year(year, in: .utc) == nil {
            throw ValidationError("--year must be from \(StatsReport.years.lowerBound) to \(StatsReport.years.upperBound)")
        }
        if let from, let to, to <= from { throw ValidationError("--to (\(to)) must be after --from (\(from))") }
    }

    func run() throws {
        let settings = try global.settings()
        let store = try settings.existingStore()
        let insured = (try? PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml"))?.insuredTypes ?? PlanPolicy().insuredTypes
        let now = wallMillis()
        let start: Int64, end: Int64
        var dimensions = by.isEmpty ? StatsReport.defaultDimensions : by
        if let year {
            guard let bounds = StatsReport.year(year, in: store.localDays) else { throw ValidationError("--year \(year) is out of range") }
            (start, end) = bounds
            if by.isEmpty { dimensions = StatsReport.yearly }
        } else {
            end = to?.epochMillis ?? now
            start = from?.epochMillis ?? end - 365 * 86_400_000
        }
        output.print(sections: try StatsReport.sections(store: store, from: start, to: end, dimensions: dimensions, scope: .supervisor, now: now,
                                                                insuredTypes: insured))
    }
}
