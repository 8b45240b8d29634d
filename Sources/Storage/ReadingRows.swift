import Domain

/// How readings are laid out in the `readings` table.
///
/// A reading sent alone is one row: `ts`, `seq` and `data` (the `data` object as the gateway sent
/// it); `ts_last` and `elements` are NULL. The accepted telemetry of one gateway batch is one row
/// too, because a row's cost is mostly its index entry, not its bytes (docs/design.md, "Readings
/// stored for their cost"): `ts` is the earliest reading's time, `ts_last` the latest, `elements`
/// their count, `seq` NULL, and `data` a JSON array of the readings in the order sent,
/// `[{"ts":…,"seq":…,"data":{…}},…]`, each `data` object byte for byte as received.
///
/// Every reading keeps an id of its own: a batch row of n readings holds the ids
/// `id - n + 1 … id` (the writer assigns them, see `Store.insertReadings`), so paging by
/// `(ts, id)`, replay order and incident evidence treat a batch's readings as they treat single
/// ones. A batch row spans at most `maxSpanMs` (a longer batch is split), which bounds how far a
/// time-range query looks before and after its range for rows that might hold a reading in it.
public enum ReadingRows {
    /// The longest time between the earliest and latest reading of one batch row.
    public static let maxSpanMs: Int64 = 60_000

    /// One stored reading.
    public struct Reading: Sendable, Equatable {
        public var id: Int64
        public var ts: Int64
        public var seq: Int64?
        public var data: String
    }

    /// The readings of one row. `elements` nil: a single reading, `data` is its object.
    /// nil when a batch row's text does not have the shape the writer gives it (a hand-edited row).
    public static func readings(id: Int64, ts: Int64, seq: Int64?, elements: Int64?, data: String) -> [Reading]? {
        guard let elements else { return [Reading(id: id, ts: ts, seq: seq, data: data)] }
        let bytes = Array(data.utf8)
        guard case .array(let items)? = try? JSONReader.parse(bytes), items.count == elements else { return nil }
        var out: [Reading] = []
        out.reserveCapacity(items.count)
        let first = id - elements + 1
        for (k, item) in items.enumerated() {
            guard case .object(let members) = item else { return nil }
            var reading = Reading(id: first + Int64(k), ts: 0, seq: nil, data: "")
            var hasTs = false, hasData = false
            for m in members {
                switch (m.key, m.value) {
                case ("ts", .int(let t)): reading.ts = t; hasTs = true
                case ("seq", .int(let s)): reading.seq = s
                case ("data", .object):
                    reading.data = String(decoding: bytes[Int(m.valueStart)..<Int(m.valueEnd)], as: UTF8.self)
                    hasData = true
                default: return nil
                }
            }
            guard hasTs, hasData else { return nil }
            out.append(reading)
        }
        return out
    }

    /// Appends the `data` text of a batch row holding `messages` (telemetry of one device).
    static func encode(_ messages: ArraySlice<AcceptedMessage>, into text: inout [UInt8]) {
        text.removeAll(keepingCapacity: true)
        text.append(UInt8(ascii: "["))
        for (k, m) in messages.enumerated() {
            if k > 0 { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: #"{"ts":"#.utf8)
            appendDecimal(m.ts, to: &text)
            if let seq = m.seq {
                text.append(contentsOf: #","seq":"#.utf8)
                appendDecimal(Int64(bitPattern: seq), to: &text)
            }
            text.append(contentsOf: #","data":"#.utf8)
            var data = m.data
            data.withUTF8 { text.append(contentsOf: $0) }
            text.append(UInt8(ascii: "}"))
        }
        text.append(UInt8(ascii: "]"))
    }

    private static func appendDecimal(_ value: Int64, to text: inout [UInt8]) {
        if value < 0 { text.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v > 0
            for i in stride(from: n - 1, through: 0, by: -1) { text.append(d[i]) }
        }
    }

    /// How many of `messages`, from `start`, go into one row: the run of telemetry elements of
    /// one gateway batch (same device, same arrival) within `maxSpanMs`; 1 for anything else.
    static func run(in messages: [AcceptedMessage], from start: Int) -> (count: Int, first: Int64, last: Int64) {
        let m = messages[start]
        var lo = m.ts, hi = m.ts
        var end = start + 1
        guard m.inBatch else { return (1, lo, hi) }
        while end < messages.count {
            let n = messages[end]
            guard n.inBatch, n.kind == .telemetry, n.deviceNum == m.deviceNum, n.receivedAt == m.receivedAt,
                  max(hi, n.ts) - min(lo, n.ts) <= maxSpanMs else { break }
            lo = min(lo, n.ts)
            hi = max(hi, n.ts)
            end += 1
        }
        return (end - start, lo, hi)
    }
}
