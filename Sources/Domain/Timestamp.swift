/// Reads the `ts` field: an RFC 3339 string or integer epoch milliseconds (SPEC §2).
public enum Timestamp {
    /// Epoch milliseconds of an RFC 3339 date-time such as `2026-11-25T08:30:00.125+08:00`.
    /// Fractions beyond milliseconds are truncated; a lowercase `t`/`z` is accepted as RFC 3339 allows.
    public static func parseRFC3339(_ s: String) -> Int64? {
        var t = s
        return t.withUTF8 { parseRFC3339(UnsafeRawBufferPointer($0)) }
    }

    /// The same over raw bytes (the ingest worker reads `ts` without building a `String`).
    public static func parseRFC3339(_ u: UnsafeRawBufferPointer) -> Int64? {
        guard u.count >= 20 else { return nil }
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= u.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                let c = u[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = digits(0, 4), u[4] == 45, let month = digits(5, 2), u[7] == 45, let day = digits(8, 2),
              u[10] == 84 || u[10] == 116 || u[10] == 32,
              let hour = digits(11, 2), u[13] == 58, let minute = digits(14, 2), u[16] == 58, let second = digits(17, 2),
              hour < 24, minute < 60, second <= 60,
              let date = Day(year: year, month: month, day: day) else { return nil }
        var i = 19
        var millis = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var n = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if n < 3 { millis = millis * 10 + Int(u[i] - 48) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<max(n, 3) { millis *= 10 }
        }
        guard i < u.count else { return nil }
        var offsetMinutes = 0
        switch u[i] {
        case 90, 122: i += 1
        case 43, 45:
            guard let oh = digits(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = digits(i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetMinutes = (oh * 60 + om) * (u[i] == 45 ? -1 : 1)
            i += 6
        default: return nil
        }
        guard i == u.count else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// Formats epoch milliseconds as RFC 3339 UTC with milliseconds, the form the CLI prints.
    public static func format(_ ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = Int(ms - seconds * 1000)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secOfDay = Int(seconds - Int64(days) * 86_400)
        let date = Day(epochMillis: ms)
        let (y, m, d) = (date.year, date.month, date.day)
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func p3(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }
        return "\(y)-\(p2(m))-\(p2(d))T\(p2(secOfDay / 3600)):\(p2(secOfDay / 60 % 60)):\(p2(secOfDay % 60)).\(p3(millis))Z"
    }
}
