import Domain
import Records

/// A JSON answer assembled from records: members in order, each a record (an object), a list of
/// records (an array) or a plain value, every record rendered as lists render it (every column
/// present, times in RFC 3339, stored JSON nested). The API builds its bodies with it, so no
/// route writes JSON by hand.
public struct JSONAnswer: Sendable {
    private var members: [(key: String, json: String)] = []

    public init() {}

    /// One record as an object, the answer itself (`GET /v1/alarms/{id}`).
    public static func object<Row: ResponseRow>(_ record: Row) -> String { ResultTable([record]).jsonObject(row: 0) + "\n" }

    /// A page of a list (SPEC §7): `{"items": [...], "next_cursor": "..." | null}`.
    public static func page<Row: ResponseRow>(_ items: [Row], nextCursor: String?) -> String {
        var a = JSONAnswer()
        a.add("items", records: items)
        a.add("next_cursor", nextCursor.map(Scalar.string))
        return a.rendered()
    }

    /// Adds `key` with a record as an object.
    public mutating func add<Row: ResponseRow>(_ key: String, record: Row) {
        members.append((key, ResultTable([record]).jsonObject(row: 0)))
    }

    /// Adds `key` with records as an array of objects.
    public mutating func add<Row: ResponseRow>(_ key: String, records: [Row]) {
        members.append((key, ResultTable(records).jsonArray()))
    }

    /// Adds `key` with a plain value (null when nil).
    public mutating func add(_ key: String, _ value: Scalar?) {
        var s = ""
        switch value {
        case nil: s = "null"
        case .number(let v): s = formatNumber(v)
        case .bool(let b): s = b ? "true" : "false"
        case .string(let text): JSONWriter.quote(text, into: &s)
        }
        members.append((key, s))
    }

    /// The answer as one JSON object, with a final line break.
    public func rendered() -> String {
        var s = "{"
        for (i, m) in members.enumerated() {
            if i > 0 { s += ", " }
            JSONWriter.quote(m.key, into: &s)
            s += ": " + m.json
        }
        return s + "}\n"
    }
}
