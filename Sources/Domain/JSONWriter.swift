/// Writes the JSON the pipeline itself creates (details of derived events, a rejected batch
/// element on its own, registry attributes), compact.
public struct JSONWriter {
    public private(set) var text = "{"
    private var empty = true

    public init() {}

    /// Adds `key` with a scalar value (a string, number or boolean).
    public mutating func add(_ key: String, _ value: Scalar) {
        separator(key)
        switch value {
        case .number(let v): text += formatNumber(v)
        case .bool(let b): text += b ? "true" : "false"
        case .string(let s): Self.quote(s, into: &text)
        }
    }

    /// Adds `key` with a whole number.
    public mutating func add(_ key: String, _ value: Int64) {
        separator(key)
        text += String(value)
    }

    /// Adds `key` with `json` as it is: the caller vouches that it is valid JSON.
    public mutating func add(_ key: String, raw json: String) {
        separator(key)
        text += json
    }

    public consuming func finish() -> String { text + "}" }

    private mutating func separator(_ key: String) {
        if !empty { text += "," }
        empty = false
        Self.quote(key, into: &text)
        text += ":"
    }

    /// Appends `s` as a JSON string (quoted, escaped) to `out`.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Field names and almost all values need no escaping: append them whole (the per-scalar
        // loop below was the largest single cost of validation in a profile of the worker).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Serialises any JSON value compactly (for event payloads that are stored as received).
    public static func serialize(_ v: JSONValue, into out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += formatNumber(d)
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                serialize(item, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                quote(m.key, into: &out)
                out += ":"
                serialize(m.value, into: &out)
            }
            out += "}"
        }
    }
}
