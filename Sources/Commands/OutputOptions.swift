import Domain
import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Storage

/// `--json` / `--csv` for the query commands; a table otherwise (SPEC §6).
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print a JSON array of objects (keys match the HTTP API).")
    var json = false

    @Flag(name: .long, help: "Print CSV with a header row.")
    var csv = false

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
            Console.write(Self.text(table, more: true))
        }
    }

    func print(_ table: ResultTable) {
        Console.write(json ? Self.json(table) : csv ? Self.csv(table) : Self.text(table))
    }

    /// Several titled tables: an object of arrays with --json, titled blocks otherwise.
    func print(sections: [(title: String, table: ResultTable)]) {
        var out = ""
        if json {
            out = ResultTable.json(sections: sections)
        } else {
            for s in sections {
                out += (csv ? "# " : "== ") + s.title + (csv ? "\n" : " ==\n")
                out += (csv ? Self.csv(s.table) : Self.text(s.table)) + "\n"
            }
        }
        Console.write(out)
    }

    static func json(_ t: ResultTable) -> String { t.json() }

    static func csv(_ t: ResultTable) -> String { t.csv(zone: Console.zone) }

    /// A plain table; long cells are cut so a row stays on one line (use --json for everything).
    static func text(_ t: ResultTable, maxCell: Int = 60, more: Bool = false) -> String {
        let zone = Console.zone
        let cells = t.rows.map { $0.map { c -> String in
            let p = c.table(in: zone).replacingOccurrences(of: "\n", with: " ")
            return p.count > maxCell ? String(p.prefix(maxCell - 1)) + "…" : p
        } }
        var widths = t.columns.map(\.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ values: [String]) -> String {
            values.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        var s = line(t.columns) + "\n" + line(widths.map { String(repeating: "-", count: $0) }) + "\n"
        for row in cells { s += line(row) + "\n" }
        let count = "\(t.rows.count) row\(t.rows.count == 1 ? "" : "s")"
        return s + (more ? "(\(count) shown; more match: --limit N shows more, --limit 0 all)\n" : "(\(count))\n")
    }
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
