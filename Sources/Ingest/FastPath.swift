import Domain
import DeviceCatalog

/// The worker's fast path: a healthy gateway message read straight from its bytes.
///
/// A message the fast path is sure about — topic, registry, strict JSON, schema and ranges all
/// in order — is accepted without an allocation of its own: its values and its `data` bytes go
/// into the output's arena blocks (`ArenaWriter`), which a few hundred messages share. The
/// device id, gateway, keys, field names, enum values and event codes are matched as bytes
/// against tables built with the registry and the types (`ByteKeyTable`), numbers and times are
/// decoded in place. Anything else — an escape or non-ASCII text, an exponent, a value out of
/// range, a status topic, any doubt — returns `false` having appended nothing, and the general
/// path (`JSONReader` and `check`) decides, with its exact reasons: the fast path never rejects,
/// so every dead letter and its wording come from one place. Tests hold the two paths to the
/// same verdicts over generated and mutated messages.
extension Validator {
    func acceptFast(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
                    directory: DeviceDirectory, into out: inout IngestOutput) -> Bool {
        guard payload.count <= limits.maxPayloadBytes, let t = Topic.DeviceLevels(topic, prefix: prefix),
              let entry = directory.entry(id: t.device) else { return false }
        let type = directory.type(of: entry)
        let station = type.tracedByFills ? directory.stationIndex(gateway: t.gateway) : nil
        guard station != nil || t.gateway.equals(entry.gateway) else { return false }
        var r = FastReader(payload)
        let context = FastReader.Context(kind: t.kind, entry: entry, type: type, receivedAt: receivedAt,
                                         station: station, limits: limits)
        r.skipWhitespace()
        switch r.peek {
        case UInt8(ascii: "{"):
            guard let m = r.message(context, depth: 1, into: &out) else { return false }
            r.skipWhitespace()
            guard r.atEnd else { return false }
            out.accepted.append(m)
            return true
        case UInt8(ascii: "["):
            let before = out.accepted.count
            r.advance()
            var n = 0
            while true {
                r.skipWhitespace()
                guard n < limits.maxBatchElements, r.peek == UInt8(ascii: "{"), let m = r.message(context, depth: 2, into: &out) else { break }
                out.accepted.append(m)
                n += 1
                r.skipWhitespace()
                if r.take(UInt8(ascii: ",")) { continue }
                if r.take(UInt8(ascii: "]")) {
                    r.skipWhitespace()
                    if r.atEnd { return true }
                }
                break
            }
            out.accepted.removeSubrange(before...)
            return false
        default:
            return false
        }
    }
}

/// A strict reader of the JSON subset healthy messages use; every method returns nil (or
/// false) at the first thing it is not sure of.
private struct FastReader {
    struct Context {
        let kind: Topic.Kind
        let entry: DirectoryEntry
        let type: DeviceType
        let receivedAt: Int64
        let station: Int?
        let limits: IngestLimits
    }

    let bytes: UnsafeRawBufferPointer
    var pos = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { pos == bytes.count }
    var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }
    mutating func advance() { pos += 1 }

    mutating func take(_ c: UInt8) -> Bool {
        guard pos < bytes.count, bytes[pos] == c else { return false }
        pos += 1
        return true
    }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    /// A string of printable ASCII without escapes; its content.
    mutating func plainString() -> UnsafeRawBufferPointer? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = pos
        // Eight bytes at a time until one of them ends the string or needs the slow path (a
        // quote, a backslash, a control character, DEL or a byte of a multi-byte character):
        // the mask's lowest flag is exactly the first such byte, so no byte is looked at twice.
        // The last few bytes of the payload, fewer than eight, go through the byte loop below.
        if let base = bytes.baseAddress {
            while pos + 8 <= bytes.count {
                let flags = Self.special(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: pos, as: UInt64.self)))
                if flags == 0 {
                    pos += 8
                    continue
                }
                pos += flags.trailingZeroBitCount >> 3
                guard bytes[pos] == UInt8(ascii: "\"") else { return nil }
                pos += 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<(pos - 1)])
            }
        }
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<(pos - 1)])
            }
            guard c >= 0x20, c < 0x7F, c != UInt8(ascii: "\\") else { return nil }
            pos += 1
        }
        return nil
    }

    /// The eight bytes of `v` (the first in the lowest bits) that are `"`, `\`, below 0x20, 0x7F
    /// or above, flagged in their high bits by the classic word-at-a-time tests: zero when there
    /// is none. A test can flag a byte above one it flagged rightly (a borrow), never below, so
    /// the lowest flag is exactly the first special byte; the flags above it mean nothing.
    @inline(__always)
    static func special(_ v: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeros(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let below0x20 = (v &- ones &* 0x20) & ~v & highs
        return below0x20 | (v & highs) | zeros(v ^ (ones &* 0x22)) | zeros(v ^ (ones &* 0x5C)) | zeros(v ^ (ones &* 0x7F))
    }

    enum Number {
        case int(Int64)
        case double(Double)
    }

    /// An RFC 8259 number without exponent; integers up to 18 digits exact, decimals up to 15
    /// significant digits (exactly as `strtod` rounds them: an integer below 2^53 divided by an
    /// exact power of ten is correctly rounded).
    mutating func number() -> Number? {
        let negative = take(UInt8(ascii: "-"))
        guard let first = peek, first >= 48, first <= 57 else { return nil }
        var mantissa: Int64 = 0
        var digits = 0
        if first == 48 {
            pos += 1
            if let c = peek, c >= 48, c <= 57 { return nil }
        } else {
            while let c = peek, c >= 48, c <= 57 {
                guard digits < 18 else { return nil }
                mantissa = mantissa * 10 + Int64(c - 48)
                digits += 1
                pos += 1
            }
        }
        var scale = 0
        if take(UInt8(ascii: ".")) {
            guard let c = peek, c >= 48, c <= 57 else { return nil }
            while let c = peek, c >= 48, c <= 57 {
                mantissa = mantissa * 10 + Int64(c - 48)
                scale += 1
                guard mantissa < 1_000_000_000_000_000, scale < Self.powersOfTen.count else { return nil }
                pos += 1
            }
        }
        if let c = peek, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
        if scale == 0 { return .int(negative ? -mantissa : mantissa) }
        let d = Double(mantissa) / Self.powersOfTen[scale]
        return .double(negative ? -d : d)
    }

    static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { a, _ in a * 10 } }

    /// Skips a value of an event's `data` (any strict JSON with plain strings) whose container
    /// is `parent` levels deep; objects and arrays nest at most `JSONReader.maxDepth` levels,
    /// counted as `JSONReader` counts them.
    mutating func skipValue(parent: Int) -> Bool {
        guard let c = peek else { return false }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { guard parent + 1 <= JSONReader.maxDepth else { return false } }
        switch c {
        case UInt8(ascii: "\""): return plainString() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "{"):
            pos += 1
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return true }
            while true {
                skipWhitespace()
                guard plainString() != nil else { return false }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard skipValue(parent: parent + 1) else { return false }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}"))
            }
        case UInt8(ascii: "["):
            pos += 1
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return true }
            while true {
                skipWhitespace()
                guard skipValue(parent: parent + 1) else { return false }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]"))
            }
        default:
            return number() != nil
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return false }
        for i in 0..<n where bytes[pos + i] != word.utf8Start[i] { return false }
        pos += n
        return true
    }

    /// One message object: `ts`, `seq`, `data` (and `code` for events), each once. `depth` is
    /// the object's nesting level as `JSONReader` counts it (1 alone, 2 in a batch), so the
    /// fast path never accepts what the general path would refuse as nested too deep.
    ///
    /// Values and `data` are written into `out`'s arenas; a message refused half-way leaves its
    /// slots there unused (they go with their block).
    mutating func message(_ c: Context, depth: Int, into out: inout IngestOutput) -> AcceptedMessage? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var ts: Int64?
        var seq: UInt64?
        var values: FieldValues?
        var dataRange: Range<Int>?
        var code: String?
        skipWhitespace()
        if !take(UInt8(ascii: "}")) {
            while true {
                skipWhitespace()
                guard let key = plainString() else { return nil }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                if key.equals("ts") {
                    guard ts == nil else { return nil }
                    if peek == UInt8(ascii: "\"") {
                        guard let text = plainString(), let ms = Timestamp.parseRFC3339(text) else { return nil }
                        ts = ms
                    } else {
                        guard case .int(let ms)? = number(), ms >= 0 else { return nil }
                        ts = ms
                    }
                } else if key.equals("seq") {
                    guard seq == nil, case .int(let s)? = number(), s >= 0 else { return nil }
                    seq = UInt64(s)
                } else if key.equals("data") {
                    guard dataRange == nil, peek == UInt8(ascii: "{") else { return nil }
                    let start = pos
                    if c.kind == .telemetry {
                        guard let v = telemetry(c.type, into: &out.values) else { return nil }
                        values = v
                    } else {
                        guard skipValue(parent: depth) else { return nil }
                    }
                    dataRange = start..<pos
                } else if key.equals("code"), c.kind == .event {
                    guard code == nil, let text = plainString(), let i = c.type.eventKeys.value(for: text) else { return nil }
                    code = c.type.eventCodes[i]
                } else {
                    return nil
                }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        guard let ts, ts <= c.receivedAt + c.limits.futureToleranceMs, ts >= c.receivedAt - c.limits.maxAgeMs else { return nil }
        let data = dataRange.map { out.jsonBytes(UnsafeRawBufferPointer(rebasing: bytes[$0])) } ?? .emptyObject
        switch c.kind {
        case .telemetry:
            guard let values else { return nil }
            return AcceptedMessage(deviceNum: c.entry.num, entryIndex: c.entry.index, kind: .telemetry, ts: ts, seq: seq,
                                   receivedAt: c.receivedAt, values: values, code: nil, data: data, stationIndex: c.station)
        case .event:
            guard let code else { return nil }
            return AcceptedMessage(deviceNum: c.entry.num, entryIndex: c.entry.index, kind: .event, ts: ts, seq: seq,
                                   receivedAt: c.receivedAt, values: FieldValues(), code: code, data: data, stationIndex: c.station)
        case .status:
            return nil
        }
    }

    /// A telemetry `data` object decoded into the type's field positions (slots of the arena),
    /// every value checked against its declaration and physical range.
    mutating func telemetry(_ type: DeviceType, into arena: inout ArenaWriter<Scalar?>) -> FieldValues? {
        guard take(UInt8(ascii: "{")) else { return nil }
        let n = type.fields.count
        let (block, start) = arena.append(repeating: nil, count: n)
        let slots = block.base + start
        var done: FieldValues { FieldValues(block: block, start: start, count: n) }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return done }
        // Gateways mostly send the fields in their declared order: the one after the last
        // field is tried before the hash table.
        var next = 0
        while true {
            skipWhitespace()
            guard let key = plainString() else { return nil }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            if let i = type.fieldKeys.value(for: key, guess: next) {
                next = i + 1
                let spec = type.fields[i]
                guard slots[i] == nil, !spec.derived, let v = scalar(spec) else { return nil }
                slots[i] = v
            } else {
                // An undeclared field where the type allows them: a plain value, kept in `data`.
                guard type.allowsExtraFields, peek != UInt8(ascii: "{"), peek != UInt8(ascii: "["), skipValue(parent: 2) else { return nil }
            }
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}")) ? done : nil
        }
    }

    mutating func scalar(_ spec: FieldSpec) -> Scalar? {
        switch spec.kind {
        case .number, .int:
            let n: Double
            switch number() {
            case .int(let i)?: n = Double(i)
            case .double(let d)? where spec.kind == .number: n = d
            default: return nil
            }
            if let r = spec.range, !r.contains(n) { return nil }
            return .number(n)
        case .bool:
            if literal("true") { return .bool(true) }
            if literal("false") { return .bool(false) }
            return nil
        case .string:
            return plainString().map { .string(String(decoding: $0, as: UTF8.self)) }
        case .enumeration:
            guard let text = plainString() else { return nil }
            // The declared string itself: an enum reading allocates nothing.
            for v in spec.values where text.equals(v) { return .string(v) }
            return nil
        }
    }
}
