/// A calendar date (`YYYY-MM-DD`) as used for commissioning and inspection dates.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2999).contains(year), (1...12).contains(month),
              (1...Day.daysIn(month: month, year: year)).contains(day) else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// Accepts exactly `YYYY-MM-DD`; anything looser would hide typos in statutory dates.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for arithmetic without Foundation calendars.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return "\(year)-\(m)-\(d)"
    }

    /// The day of an instant (UTC), for comparing statutory dates with the pipeline's clock.
    public init(epochMillis ms: Int64) {
        let days = Int((ms >= 0 ? ms : ms - 86_399_999) / 86_400_000)
        // Inverse of `daysSinceEpoch` (H. Hinnant's civil_from_days).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// The instants (epoch ms) within the days a `Day` can hold, 1900-01-01 to 2999-12-31 UTC.
    /// Times read from people are kept to these, so that arithmetic on them (a year back, a zone
    /// offset) cannot overflow.
    public static let instants: ClosedRange<Int64> = -2_208_988_800_000 ... 32_503_680_000_000 - 1

    /// Midnight UTC at the start of this day, in epoch milliseconds.
    public var epochMillis: Int64 { Int64(daysSinceEpoch) * 86_400_000 }

    /// The same calendar day `years` later; 29 February becomes 28 February in common years.
    public func adding(years: Int) -> Day {
        let y = year + years
        return Day(year: y, month: month, day: min(day, Day.daysIn(month: month, year: y))) ?? self
    }

    /// The same day of the month `months` later (earlier when negative), clamped to the month's
    /// last day (31 August + 1 month is 30 September).
    public func adding(months: Int) -> Day {
        let index = year * 12 + (month - 1) + months
        let y = index >= 0 ? index / 12 : (index - 11) / 12
        let m = index - y * 12 + 1
        return Day(year: y, month: m, day: min(day, Day.daysIn(month: m, year: y))) ?? self
    }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    public func days(to other: Day) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> Day { Day(epochMillis: Int64(daysSinceEpoch + days) * 86_400_000) }

    /// ISO weekday: 1 Monday … 7 Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((daysSinceEpoch % 7 + 7) % 7 + 3) % 7 + 1 }

    /// `YYYYMMDD`, the iCalendar DATE form.
    public var compact: String { String(description.filter { $0 != "-" }) }
}
