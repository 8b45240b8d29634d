import Domain
import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Presentation
import Records
import Services
import Storage

/// `--json` / `--csv` for the query commands; a table otherwise (SPEC §6).
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print a JSON array of objects (keys match the HTTP API).")
    var json = false

    @Flag(name: .long, help: "Print CSV with a header row.")
    var csv = false

    @Flag(name: .long, help: ArgumentHelp("Print every column on one line.",
                                          discussion: "By default a table fits 120 terminal columns (a Chinese character takes two): key columns on the row's line, prose and names on indented lines beneath; ids, times and codes are never cut or broken."))
    var wide = false

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
    }

    /// Prints typed rows of one query.
    func print<Row: ResponseRow>(_ rows: [Row]) { print(ResultTable(rows)) }

    /// Prints the rows of a query made with `RowLimit.fetch`: at most `limit.rows`, and says when
    /// more matched (in the table's footer; on standard error beside --json and --csv), so a
    /// list is never cut silently.
    func print<Row: ResponseRow>(_ rows: [Row], limit: RowLimit) {
        let more = limit.rows > 0 && rows.count > limit.rows
        let table = ResultTable(more ? Array(rows.prefix(limit.rows)) : rows)
        if !more { return print(table) }
        if json || csv {
            Console.write(json ? Self.json(table) : Self.csv(table))
            FileHandle.standardError.write(Data("note: \(limit.rows) row\(limit.rows == 1 ? "" : "s") printed and more match; --limit N shows more, --limit 0 all\n".utf8))
        } else {
            Console.write(TerminalTable.render(table, wide: wide, more: true))
        }
    }

    /// One table.
    func print(_ table: ResultTable) {
        Console.write(json ? Self.json(table) : csv ? Self.csv(table) : TerminalTable.render(table, wide: wide))
    }

    /// Several titled tables: an object of arrays with --json, titled blocks otherwise; the
    /// `records` (sections that describe one thing, not a list) read as `key  value` lines.
    func print(sections: [(title: String, table: ResultTable)], records: Set<String> = []) {
        var out = ""
        if json {
            out = ResultTable.json(sections: sections)
        } else {
            for s in sections {
                out += (csv ? "# " : "== ") + s.title + (csv ? "\n" : " ==\n")
                out += (csv ? Self.csv(s.table) : TerminalTable.render(s.table, wide: wide, record: records.contains(s.title))) + "\n"
            }
        }
        Console.write(out)
    }

    static func json(_ t: ResultTable) -> String { t.json() }

    static func csv(_ t: ResultTable) -> String { t.csv(zone: Console.zone) }
}

/// `--limit N`: at most N rows, 0 for all. Queries fetch one row more than asked, so the output
/// can say that more matched without counting them all.
struct RowLimit: ExpressibleByArgument, Sendable {
    let rows: Int

    init(_ rows: Int) { self.rows = rows }

    init?(argument: String) {
        guard let n = Int(argument), n >= 0 else { return nil }
        rows = n
    }

    /// What to ask the store for.
    var fetch: Int { rows == 0 ? Int.max : rows + 1 }

    var defaultValueDescription: String { "\(rows)" }
}
