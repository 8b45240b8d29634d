import Settings
import Services
import Domain
import SourceFiles
import ArgumentParser
import DeviceCatalog
import Foundation
import Ingest
import Replay
import Rules
import Presentation
import Records
import Storage

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a rule set over stored readings and compare with the alarms recorded then.",
        discussion: """
            Shows what a rule change would have done to past data before it is deployed: each alarm the rules \
            would have raised in the period is paired with a recorded alarm of the same device and family fired \
            at about the same time (within two clock steps), and listed as unchanged, changed (other rule or \
            severity), added (would fire, did not) or removed (fired, would not). Live alarms, rule state and \
            the alarm feed are not touched; the store is only read.

            Windows are warmed up from before --from (the longest window of the rules, at least 5 min).

            Example: equipwatch replay --from 2026-10-01 --to 2026-11-01 --rules ./Rules-candidate
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("Start of the period (RFC 3339, YYYY-MM-DD or epoch ms).", valueName: "TIME")) var from: String
    @Option(help: ArgumentHelp("End of the period.", valueName: "TIME")) var to: String
    @Option(help: ArgumentHelp("Clock step between messages (timers and silent() are followed this precisely).", valueName: "DURATION"))
    var tick = "5s"
    @Flag(help: "List unchanged alarms too (by default only differences are listed).") var all = false

    func run() throws {
        let settings = try global.settings()
        guard let from = try parseTime(from, flag: "--from"), let to = try parseTime(to, flag: "--to"), from <= to else {
            throw ValidationError("--from must not be after --to")
        }
        guard let step = Interval(parsing: tick), step.milliseconds > 0 else { throw ValidationError("--tick: a duration such as 1s or 10s") }
        let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
        let rules: RuleSet
        do { rules = try RuleLoader.load(directory: settings.rulesDirectory, types: types) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        let store = try settings.existingStore()
        let directory = try store.loadDirectory(types: types)
        var options = Replay.Options(from: from, to: to)
        options.tickMs = step.milliseconds
        options.topicPrefix = settings.broker.topicPrefix
        let report = try Replay.run(store: store, rules: rules, directory: directory, options: options)
        let table = ResultTable(report.rows.filter { all || $0.change != .unchanged }.map(ReplayItem.init))
        output.print(table)
        if !output.json && !output.csv {
            say("\(report.messages) message(s) replayed (\(report.rejected) rejected by today's registry): "
                  + "\(report.count(.unchanged)) unchanged, \(report.count(.changed)) changed, "
                  + "\(report.count(.added)) added, \(report.count(.removed)) removed"
                  + (report.clockEnd.map { $0 < to ? "; the data ends at \(Console.zone.table($0)), the rules' clock stopped there" : "" } ?? "; no stored data in the period"))
        }
    }
}
