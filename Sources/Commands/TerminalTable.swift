import Domain
import Foundation
import Pipeline
import Presentation
import Records
import Services
import Storage

/// How a result table reads in a terminal. `--json` and `--csv` always carry every column; this
/// is only the view for a person:
///
/// - **Default**: at most `width` (120) terminal columns a line (a CJK character takes two). A
///   list the layouts below know shows its key columns on the row's line and its prose (a notice's reason, an alarm's message,
///   names beside ids) on indented lines beneath. Nothing is ever cut: ids, times and codes (a
///   cell without a space) stay whole on one line; prose wraps at spaces (Chinese anywhere). When
///   the row's line is still too wide, a prose column wraps within itself, then the widest columns
///   move beneath the row as `name value`.
/// - **Wide** (`--wide`): every column on one line.
/// - **Record**: a one-row section of a report (`devices show`) reads as `key  value` lines.
enum TerminalTable {
    static let width = 120

    /// A list's terminal view: `columns` on the row's line; `beneath` joined with " · " on the
    /// lines under it, then `figures` as "name value". A `*_name` column beneath is printed as
    /// "name (id)".
    struct Layout {
        let columns: [String]
        let beneath: [String]
        var figures: [String] = []
    }

    /// The layouts, by the row type's exact column list (so a change to a row's columns falls
    /// back to the generic fit instead of hiding a new column).
    static let layouts: [[String]: Layout] = [
        AlarmItem.columnNames: Layout(columns: ["id", "device", "rule", "severity", "state", "fired_at", "incident"],
                                      beneath: ["site_name", "message"], figures: ["acked_by"]),
        IncidentItem.columnNames: Layout(columns: ["id", "device", "rule", "severity", "status", "opened_at", "alarm"],
                                         beneath: ["site_name", "title"]),
        NoticeItem.columnNames: Layout(columns: ["id", "kind", "device", "status", "due_by", "created_at"],
                                       beneath: ["firm_name", "reason"]),
        DeviceItem.columnNames: Layout(columns: ["id", "type", "risk_grade", "must_not_use", "last_seen", "messages"],
                                       beneath: ["site_name", "owner_name", "firm_name", "must_not_use_reason"]),
        EventItem.columnNames: Layout(columns: ["id", "device", "ts", "code", "source", "seq"], beneath: ["data"]),
        ReadingItem.columnNames: Layout(columns: ["id", "ts", "seq", "received_at"], beneath: ["data"]),
        DeadLetterItem.columnNames: Layout(columns: ["id", "received_at", "reason", "device", "gateway", "payload_size"],
                                           beneath: ["detail", "topic", "payload"]),
        FillItem.columnNames: Layout(columns: ["ts", "station", "result", "operator", "gas", "net_kg", "fill_pressure_mpa"],
                                     beneath: ["station_name", "detail"]),
        RescueResponseItem.columnNames: Layout(columns: ["firm", "trapped", "resolved", "within_deadline", "share_within", "missed", "running"],
                                               beneath: ["firm_name"],
                                               figures: ["median_response_min", "p90_response_min", "median_on_site_min", "median_resolved_min"]),
        MaintenanceTimelinessItem.columnNames: Layout(columns: MaintenanceTimelinessItem.columnNames.filter { $0 != "firm_name" },
                                                      beneath: ["firm_name"]),
        MaintenanceItem.columnNames: Layout(columns: ["id", "done_at", "firm", "source", "reported_at", "applied_at"],
                                            beneath: ["items", "baseline"]),
        HazardItem.columnNames: Layout(columns: ["id", "device", "rule", "status", "raised_at"], beneath: ["site_name", "firm", "closed_note"],
                                       figures: ["rectified_at", "confirmed_at", "closed_at", "closed_by", "closed_organisation"]),
        HazardStepItem.columnNames: Layout(columns: ["id", "hazard", "step", "at", "party", "by"], beneath: ["organisation", "note"]),
        AccidentItem.columnNames: Layout(columns: ["id", "class", "status", "occurred_at", "device", "deaths", "serious_injuries", "report_late"],
                                         beneath: ["site_name", "summary", "cause"],
                                         figures: ["loss_cny", "special_case", "reported_at", "reported_by"]),
        AuditHead.columnNames: Layout(columns: ["day", "seq", "at"], beneath: ["hash"]),
        InspectionDueItem.columnNames: Layout(columns: ["device", "type", "kind", "due", "days_left", "overdue", "risk_grade", "last"],
                                              beneath: ["site_name", "owner", "firm", "basis"]),
        ScheduleCommand.visitColumns: Layout(columns: ["date", "inspector", "device", "type", "kind", "due", "risk", "overdue"], beneath: ["site"]),
        ScheduleCommand.dutyColumns: Layout(columns: ["device", "type", "kind", "due", "overdue", "owner"], beneath: ["site"]),
    ]

    /// The table as text: `more` says the query had more rows than shown.
    static func render(_ t: ResultTable, wide: Bool = false, record: Bool = false, more: Bool = false,
                       zone: DisplayZone = Console.zone) -> String {
        let body: String
        if wide {
            body = grid(t, columns: Array(t.columns.indices), fit: false, zone: zone)
        } else if record, t.rows.count == 1 {
            body = vertical(t, zone: zone)
        } else if let layout = layouts[t.columns] {
            body = grid(t, columns: layout.columns.compactMap(t.columns.firstIndex(of:)), zone: zone,
                        beneath: layout.beneath.compactMap(t.columns.firstIndex(of:)),
                        figures: layout.figures.compactMap(t.columns.firstIndex(of:)))
        } else {
            body = grid(t, columns: Array(t.columns.indices), zone: zone)
        }
        let count = "\(t.rows.count) row\(t.rows.count == 1 ? "" : "s")"
        return body + (more ? "(\(count) shown; more match: --limit N shows more, --limit 0 all)\n" : "(\(count))\n")
    }

    /// Rows as aligned columns. With `fit`, a line stays within `width`: prose columns (a cell
    /// with a space or a Chinese character) wrap within themselves, down to 12 columns; if that
    /// is not enough, the widest columns move beneath the row as `name value`. Nothing is cut.
    static func grid(_ t: ResultTable, columns: [Int], fit: Bool = true, zone: DisplayZone,
                     beneath: [Int] = [], figures: [Int] = []) -> String {
        let all = t.rows.map { row in row.map { oneLine($0.table(in: zone)) } }
        var shown = columns
        var moved: [Int] = []
        var widths: [Int] = []
        /// Natural widths of `shown`, then narrowed prose columns while the line is too wide.
        func layout() -> Bool {
            widths = shown.map { c in all.reduce(t.columns[c].count) { max($0, $1[c].columns) } }
            guard fit else { return true }
            let prose = shown.map { c in t.rows.indices.contains { Self.isProse(t.rows[$0][c], all[$0][c]) } }
            let floor = shown.indices.map { prose[$0] ? max(t.columns[shown[$0]].count, 12) : widths[$0] }
            while widths.reduce(0, +) + 2 * (widths.count - 1) > width {
                guard let i = widths.indices.filter({ widths[$0] > floor[$0] }).max(by: { widths[$0] < widths[$1] }) else { return false }
                widths[i] -= 1
            }
            return true
        }
        while !layout(), shown.count > 1 {
            // The widest column after the first (the row's key) goes beneath the row.
            let i = shown.indices.dropFirst().max { widths[$0] < widths[$1] }!
            moved.append(shown.remove(at: i))
        }
        let headers = shown.map { t.columns[$0] }
        func pad(_ s: String, _ i: Int) -> String { s + String(repeating: " ", count: max(0, widths[i] - s.columns)) }
        func line(_ values: [String]) -> String {
            values.enumerated().map { pad($1, $0) }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = line(headers) + "\n" + line(widths.map { String(repeating: "-", count: $0) }) + "\n"
        let extra = moved.sorted() + figures
        for (r, row) in all.enumerated() {
            let parts = shown.enumerated().map { wrapped(row[$1], widths[$0]) }
            for k in 0..<(parts.map(\.count).max() ?? 1) { out += line(parts.map { k < $0.count ? $0[k] : "" }) + "\n" }
            let note = prose(t, row: r, columns: beneath, figures: extra, zone: zone)
            if !note.isEmpty { for l in wrapped(note, width - 4) { out += "    " + l + "\n" } }
        }
        return out
    }

    /// Free text, which may wrap: a text or JSON cell with a space or a Chinese character in it.
    /// Anything else (an id, a time, a code, a number) is kept whole on one line.
    static func isProse(_ cell: ResultTable.Cell, _ text: String) -> Bool {
        switch cell {
        case .text, .json: text.contains { $0 == " " || $0.columns == 2 }
        default: false
        }
    }

    /// `key  value` lines for a one-row section; long values wrap under themselves.
    static func vertical(_ t: ResultTable, zone: DisplayZone) -> String {
        let keyWidth = t.columns.map(\.count).max() ?? 0
        var out = ""
        for (i, key) in t.columns.enumerated() {
            let cell = t.rows[0][i]
            var value = oneLine(cell.table(in: zone))
            if case .json = cell { value = spaced(json: value) }
            let lines = wrapped(value, max(20, width - keyWidth - 2))
            for (k, l) in lines.enumerated() {
                out += (k == 0 ? key.padding(toLength: keyWidth, withPad: " ", startingAt: 0) : String(repeating: " ", count: keyWidth))
                    + "  " + l
                out = out.trimmingTrailingSpaces() + "\n"
            }
        }
        return out
    }

    /// The prose beneath a row: the named columns' non-empty values joined by " · ", a `*_name`
    /// with its id as "name (id)", then each of `figures` with a value as "name value".
    static func prose(_ t: ResultTable, row: Int, columns: [Int], figures: [Int] = [], zone: DisplayZone) -> String {
        let labelled = figures.compactMap { i -> String? in
            let value = oneLine(t.rows[row][i].table(in: zone))
            return value.isEmpty ? nil : "\(t.columns[i]) \(value)"
        }
        return (columns.compactMap { i -> String? in
            let cell = t.rows[row][i]
            var value = oneLine(cell.table(in: zone))
            if case .json = cell { value = spaced(json: value) }
            let name = t.columns[i]
            guard name.hasSuffix("_name") else { return value.isEmpty ? nil : value }
            let idColumn = String(name.dropLast(5))
            let id = t.columns.firstIndex(of: idColumn).map { t.rows[row][$0].plain } ?? ""
            if value.isEmpty { return id.isEmpty ? nil : id }
            return id.isEmpty ? value : "\(value) (\(id))"
        } + labelled).joined(separator: " · ")
    }

    /// `text` in lines of at most `width` terminal columns, broken at spaces where there is one
    /// (Chinese text, which has none, anywhere).
    static func wrapped(_ text: String, _ width: Int) -> [String] {
        guard text.columns > width, width > 0 else { return [text] }
        var lines: [String] = []
        var rest = Substring(text)
        while rest.columns > width {
            // The longest head that fits, and one character more to see whether a space ends it.
            var end = rest.startIndex, used = 0
            while end < rest.endIndex, used + rest[end].columns <= width { used += rest[end].columns; end = rest.index(after: end) }
            let head = rest[..<(end < rest.endIndex ? rest.index(after: end) : end)]
            let space = head.lastIndex(of: " ").flatMap { $0 > head.startIndex ? $0 : nil }
            let cut = space ?? (end > rest.startIndex ? end : rest.index(after: rest.startIndex))
            lines.append(String(rest[..<cut]).trimmingTrailingSpaces())
            rest = rest[cut...].drop(while: { $0 == " " })
        }
        if !rest.isEmpty { lines.append(String(rest)) }
        return lines
    }

    /// Compact JSON with a space after each `,` and `:` outside strings, so it wraps between
    /// values rather than inside them.
    static func spaced(json: String) -> String {
        var out = ""
        out.reserveCapacity(json.count + json.count / 8)
        var inString = false, escaped = false
        var pending = false   // a space is owed after a , or : outside strings, unless one follows
        for ch in json {
            if pending, ch != " " { out.append(" ") }
            pending = false
            out.append(ch)
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" {
                inString = true
            } else if ch == "," || ch == ":" {
                pending = true
            }
        }
        return out
    }

    static func oneLine(_ s: String) -> String {
        s.contains(where: \.isNewline) ? s.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ") : s
    }
}

extension Character {
    /// Terminal columns: 2 for East Asian wide and fullwidth characters (汉字, ，), else 1.
    var columns: Int {
        guard let v = unicodeScalars.first?.value else { return 0 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
             0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

extension StringProtocol {
    /// Terminal columns the text takes (see `Character.columns`).
    var columns: Int { reduce(0) { $0 + $1.columns } }

    /// The longest prefix that takes at most `width` columns.
    func prefix(columns width: Int) -> String {
        var used = 0, out = ""
        for c in self {
            guard used + c.columns <= width else { break }
            used += c.columns
            out.append(c)
        }
        return out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
