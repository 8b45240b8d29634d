import Domain
import Foundation

extension ResultTable {
    /// Titled tables as one JSON object of arrays (`devices show --json`, `GET /v1/devices/{id}`).
    public static func json(sections: [(title: String, table: ResultTable)]) -> String {
        "{\n" + sections.map { s in
            var key = ""
            JSONWriter.quote(s.title, into: &key)
            return key + ": " + s.table.jsonArray()
        }.joined(separator: ",\n") + "\n}\n"
    }

    /// A JSON array of objects, one per row, every column present (null when empty), nested
    /// JSON columns nested: what `--json` prints and the API serves.
    public func json() -> String { jsonArray() + "\n" }

    /// `json()` without the final line break, to embed in a larger document.
    public func jsonArray() -> String {
        var s = "["
        for i in rows.indices {
            s += i == 0 ? "\n  " : ",\n  "
            appendObject(row: i, to: &s)
        }
        return s + (rows.isEmpty ? "]" : "\n]")
    }

    /// Row `row` as one JSON object, every column present.
    public func jsonObject(row: Int) -> String {
        var s = ""
        appendObject(row: row, to: &s)
        return s
    }

    private func appendObject(row: Int, to s: inout String) {
        s += "{"
        for (j, cell) in rows[row].enumerated() {
            if j > 0 { s += ", " }
            JSONWriter.quote(columns[j], into: &s)
            s += ": "
            switch cell {
            case .null: s += "null"
            case .int(let v): s += String(v)
            case .double: s += cell.plain
            case .bool(let b): s += b ? "true" : "false"
            case .text(let v): JSONWriter.quote(v, into: &s)
            case .json(let v): s += v
            case .time(let ms): JSONWriter.quote(Timestamp.format(ms), into: &s)
            }
        }
        s += "}"
    }

    /// CSV with a header row (unless `header` is false: a later page of a streamed answer);
    /// fields quoted when they hold a comma, a quote or a line break. Times in RFC 3339 UTC,
    /// or with `zone`'s offset when one is given.
    public func csv(header: Bool = true, zone: DisplayZone? = nil) -> String {
        let t = self
        func field(_ v: String) -> String {
            v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
        }
        var s = header ? t.columns.map(field).joined(separator: ",") + "\n" : ""
        for row in t.rows { s += row.map { field(zone.map($0.csv(in:)) ?? $0.plain) }.joined(separator: ",") + "\n" }
        return s
    }
}
