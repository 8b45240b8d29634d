import Domain

/// How readings are laid out in the `readings` table.
///
/// A row's cost is mostly its index entry, not its bytes (docs/design.md, "Readings stored for
/// their cost"), so the readings of one device that one commit writes share a row: a gateway
/// batch always, and under load (a backlog after an outage, a fast device) the messages that
/// arrived together. A row holding one reading is as before: `ts`, `seq`, `received_at`, `data`
/// (the `data` object as the gateway sent it); `ts_first` and `elements` are NULL. A row holding
/// several: `ts` the latest reading's time, `ts_first` the earliest, `elements` their count, `seq`
/// NULL, `received_at` the first reading's arrival, and `data` a JSON array of the readings in
/// arrival order, `[{"ts":…,"seq":…,"data":{…}},…]`, each `data` object byte for byte as
/// received, with `"received_at":…` on a reading that arrived later than the first.
///
/// Every reading keeps an id of its own: a row of n readings holds the ids `id - n + 1 … id`
/// (the writer assigns them, see `SQLiteStore.insertReadings`), so paging by `(ts, id)`, replay order
/// and incident evidence treat grouped readings as they treat single ones.
///
/// The index is `(device_num, ts)` with `ts` the latest reading, so the newest-first pages the
/// API serves stop exactly where a single-reading table would, and retention finds the rows all
/// older than a cutoff by the index alone. A row spans at most `maxSpanMs` and holds at most
/// `maxElements`: what bounds how far past its range a time-range query looks for rows that
/// might hold a reading in it, how long a replay holds readings back to put them in order, and
/// how much one row weighs.
public enum ReadingRows {
    /// The longest time between the earliest and latest reading of one row.
    public static let maxSpanMs: Int64 = 60_000
    /// The most readings in one row.
    public static let maxElements = 64

    /// One stored reading.
    public struct Reading: Sendable, Equatable {
        public var id: Int64
        public var ts: Int64
        public var seq: Int64?
        public var receivedAt: Int64
        public var data: String
    }

    /// The readings of one row. `elements` nil: a single reading, `data` is its object.
    /// nil when a grouped row's text does not have the shape the writer gives it (a hand-edited row).
    public static func readings(id: Int64, ts: Int64, seq: Int64?, receivedAt: Int64, elements: Int64?, data: String) -> [Reading]? {
        guard let elements else { return [Reading(id: id, ts: ts, seq: seq, receivedAt: receivedAt, data: data)] }
        let bytes = Array(data.utf8)
        guard case .array(let items)? = try? JSONReader.parse(bytes), items.count == elements else { return nil }
        var out: [Reading] = []
        out.reserveCapacity(items.count)
        let first = id - elements + 1
        for (k, item) in items.enumerated() {
            guard case .object(let members) = item else { return nil }
            var reading = Reading(id: first + Int64(k), ts: 0, seq: nil, receivedAt: receivedAt, data: "")
            var hasTs = false, hasData = false
            for m in members {
                switch (m.key, m.value) {
                case ("ts", .int(let t)): reading.ts = t; hasTs = true
                case ("seq", .int(let s)): reading.seq = s
                case ("received_at", .int(let r)): reading.receivedAt = r
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

    /// One row to write: positions in the commit's messages, in arrival order, and the row's
    /// earliest and latest reading time.
    public struct Row {
        public var positions: ArraySlice<Int>
        public var first: Int64
        public var last: Int64
    }

    /// The rows for the telemetry in `messages`: by device, in arrival order within a device,
    /// cut where a row would span more than `maxSpanMs` or hold more than `maxElements`.
    /// `order` is scratch space (the telemetry positions, sorted by device).
    public static func rows(_ messages: [AcceptedMessage], order: inout [Int], _ body: (Row) throws -> Void) rethrows {
        // By device, then arrival. Each key is the device number over the position, so plain
        // integers sort them (a comparison closure reading the messages was about 5 % of the
        // worker's time in the batch phase's profile).
        order.removeAll(keepingCapacity: true)
        var packed = messages.count < 1 << 32
        if packed {
            for (i, m) in messages.enumerated() where m.kind == .telemetry {
                guard m.deviceNum >= 0, m.deviceNum < 1 << 31 else { packed = false; break }
                order.append(Int(m.deviceNum) << 32 | i)
            }
        }
        if packed {
            order.sort()
            for k in order.indices { order[k] &= 0xFFFF_FFFF }
        } else {
            order.removeAll(keepingCapacity: true)
            for (i, m) in messages.enumerated() where m.kind == .telemetry { order.append(i) }
            order.sort { a, b in
                let x = messages[a].deviceNum, y = messages[b].deviceNum
                return x != y ? x < y : a < b
            }
        }
        var start = 0
        while start < order.count {
            let device = messages[order[start]].deviceNum
            var lo = messages[order[start]].ts, hi = lo
            var end = start + 1
            while end < order.count, end - start < maxElements {
                let p = order[end]
                let ts = messages[p].ts
                guard messages[p].deviceNum == device, max(hi, ts) - min(lo, ts) <= maxSpanMs else { break }
                lo = min(lo, ts)
                hi = max(hi, ts)
                end += 1
            }
            try body(Row(positions: order[start..<end], first: lo, last: hi))
            start = end
        }
    }

    /// The `data` text of a row holding the readings at `positions` (telemetry of one device).
    ///
    /// Written with byte copies only: appending a `String`'s UTF-8 view goes through the
    /// standard library's generic sequence path, and was about 5 % of the worker's time in the
    /// batch phase's profile.
    public static func encode(_ messages: [AcceptedMessage], _ positions: ArraySlice<Int>, into text: inout [UInt8]) {
        text.removeAll(keepingCapacity: true)
        text.append(UInt8(ascii: "["))
        let receivedAt = messages[positions.first!].receivedAt
        var first = true
        for p in positions {
            if !first { text.append(UInt8(ascii: ",")) }
            first = false
            append("{\"ts\":", to: &text)
            appendDecimal(messages[p].ts, to: &text)
            if let seq = messages[p].seq {
                append(",\"seq\":", to: &text)
                appendDecimal(Int64(bitPattern: seq), to: &text)
            }
            if messages[p].receivedAt != receivedAt {
                append(",\"received_at\":", to: &text)
                appendDecimal(messages[p].receivedAt, to: &text)
            }
            append(",\"data\":", to: &text)
            messages[p].data.withUnsafeBytes { text.append(contentsOf: $0) }
            text.append(UInt8(ascii: "}"))
        }
        text.append(UInt8(ascii: "]"))
    }

    @inline(__always)
    private static func append(_ literal: StaticString, to text: inout [UInt8]) {
        literal.withUTF8Buffer { text.append(contentsOf: $0) }
    }

    /// Digits written from a stack buffer, most significant first.
    @inline(__always)
    public static func appendDecimal(_ value: Int64, to text: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var v = value.magnitude
            var i = digits.count
            repeat {
                i -= 1
                digits[i] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0")
                v /= 10
            } while v > 0
            if value < 0 { text.append(UInt8(ascii: "-")) }
            text.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
    }
}
