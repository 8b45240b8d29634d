
/// A strict RFC 8259 reader over raw bytes, written for the ingest hot path.
///
/// Foundation's `JSONSerialization` reads about 270 k small telemetry objects/s on the 2-core
/// machine; the pipeline's QoS 0 target needs headroom beyond 80 k msg/s on less than one core, so
/// the hot path parses bytes directly into `JSONValue` with no bridging to `Any`
/// (see docs/design.md for the figures). It rejects what RFC 8259 rejects: trailing commas,
/// leading zeros, invalid UTF-8 and escapes, control characters in strings, trailing garbage; and
/// nests at most `maxDepth` levels so a hostile payload cannot exhaust the stack.
public struct JSONReader {
    public static let maxDepth = 32

    /// Parses one JSON document from `bytes`, refusing trailing content and nesting deeper than the
    /// limit.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var r = JSONReader(bytes: bytes)
        r.skipWhitespace()
        let v = try r.value(depth: 0)
        r.skipWhitespace()
        guard r.pos == bytes.count else { throw r.fail("unexpected data after the JSON value") }
        return v
    }

    /// `parse(_:)` on an array of bytes.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { buf in
            do throws(JSONError) { return .success(try parse(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private let bytes: UnsafeRawBufferPointer
    private var pos = 0

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func fail(_ reason: String) -> JSONError { JSONError(offset: pos, reason: reason) }

    @inline(__always) private var current: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard let c = current else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character '\(Self.printable(c))'")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw fail("unexpected end of input") }
        let p = word.utf8Start
        for i in 0..<n where bytes[pos + i] != p[i] { throw fail("invalid literal") }
        pos += n
    }

    private mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        pos += 1
        var members: [JSONMember] = []
        // Telemetry objects have a handful of members; one allocation instead of regrowing 1→2→4→8.
        members.reserveCapacity(8)
        skipWhitespace()
        if current == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
            pos += 1
            skipWhitespace()
            let start = pos
            let v = try value(depth: depth)
            members.append(JSONMember(key: key, value: v, valueStart: Int32(start), valueEnd: Int32(pos)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return .object(members)
            case nil: throw fail("unexpected end of input in object")
            default: throw fail("expected ',' or '}' in object")
            }
        }
    }

    private mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return .array(items)
            case nil: throw fail("unexpected end of input in array")
            default: throw fail("expected ',' or ']' in array")
            }
        }
    }

    private mutating func string() throws(JSONError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes, so the string is a slice of the payload.
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<pos])
                pos += 1
                return try Self.utf8String(slice, at: start)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string") }
            pos += 1
        }
        guard pos < bytes.count else { throw fail("unterminated string") }
        return try escapedString(from: start)
    }

    /// Keys and values are nearly always ASCII, which needs no validation; the generic
    /// `String(validating:as:)` showed up in profiles, so it only runs for non-ASCII text.
    private static func utf8String(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(JSONError) -> String {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw JSONError(offset: offset, reason: "invalid UTF-8 in string") }
        return s
    }

    private mutating func escapedString(from start: Int) throws(JSONError) -> String {
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw JSONError(offset: start, reason: "invalid UTF-8 in string") }
                return s
            case UInt8(ascii: "\\"):
                pos += 1
                guard let e = current else { throw fail("unterminated escape") }
                pos += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                default: throw fail("invalid escape '\\\(Self.printable(e))'")
                }
            default:
                if c < 0x20 { throw fail("control character in string") }
                out.append(c)
                pos += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw fail("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private mutating func unicodeEscape() throws(JSONError) -> [UInt8] {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard pos + 2 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate in \\u escape")
            }
            pos += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail("unpaired surrogate in \\u escape")
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
        return Array(String(Character(u)).utf8)
    }

    private mutating func number() throws(JSONError) -> JSONValue {
        let start = pos
        var isInteger = true
        if current == UInt8(ascii: "-") { pos += 1 }
        guard let first = current, first >= 48, first <= 57 else { throw fail("invalid number") }
        if first == UInt8(ascii: "0") {
            pos += 1
            if let c = current, c >= 48, c <= 57 { throw fail("leading zero in number") }
        } else {
            while let c = current, c >= 48, c <= 57 { pos += 1 }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard let c = current, c >= 48, c <= 57 else { throw fail("digit expected after '.'") }
            while let c = current, c >= 48, c <= 57 { pos += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { pos += 1 }
            guard let c = current, c >= 48, c <= 57 else { throw fail("digit expected in exponent") }
            while let c = current, c >= 48, c <= 57 { pos += 1 }
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<pos])
        if isInteger, slice.count <= 18 {
            var v: Int64 = 0
            var i = 0
            let negative = slice[0] == UInt8(ascii: "-")
            if negative { i = 1 }
            while i < slice.count { v = v * 10 + Int64(slice[i] - 48); i += 1 }
            return .int(negative ? -v : v)
        }
        let text = String(decoding: slice, as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw JSONError(offset: start, reason: "number out of range") }
        return .double(d)
    }

    private static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }
}
