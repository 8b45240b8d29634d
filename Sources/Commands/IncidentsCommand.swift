import Domain
import ArgumentParser
import Presentation
import Records
import Services
import Storage

struct IncidentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "List incidents, or show one with its timeline.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Incidents (opened by rules with `incident: true`), newest first.",
            discussion: "Example: equipwatch incidents --status open --from 2026-11-01 --csv")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var filters: AlarmFilterOptions
        @Option(help: "Only this status.") var status: IncidentStatus?

        func run() throws {
            let store = try global.existingStore()
            var f = try filters.filter()
            f.status = status
            f.language = global.language
            try filters.checkNames(store)
            output.print(try store.incidents(f), limit: filters.range.limit)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An incident as a story: the device, site and firm, the rescue deadline, then each step in words with its local time and how long after the alarm.",
            discussion: """
                A trapped passenger reads: alarm raised → rescue deadline → on site after 3 min 20 s → resolved. \
                --json adds the stored timeline (each step with the alarm as it was); --lang zh tells it in Chinese.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The incident's id.") var id: Int64

        func run() throws {
            let store = try global.existingStore()
            guard let (incident, timeline, story) = try IncidentStory.read(id, store: store, scope: .supervisor, language: global.language,
                                                                           now: wallMillis())
            else { throw NotFound("no incident \(id)") }
            var sections: [(title: String, table: ResultTable)] = [("incident", ResultTable([incident]))]
            if let rescue = story.rescue { sections.append(("rescue", ResultTable([RescueClockItem(story, rescue)]))) }
            if output.json || output.csv {
                sections.append(("story", ResultTable(story.lines.map(StoryLineItem.init))))
                sections.append(("timeline", ResultTable(timeline)))
            } else {
                let zh = global.language == .zh
                var lines = ResultTable(columns: ["at", "after", "what"])
                for l in story.lines {
                    let after = Words.duration(l.afterMs)
                    lines.rows.append([.time(l.at), .text(l.afterMs == 0 ? "" : "+" + (zh ? after.zh : after.en)), .text(zh ? l.zh : l.en)])
                }
                sections.append(("story", lines))
            }
            output.print(sections: sections, records: ["incident", "rescue"])
        }
    }
}
