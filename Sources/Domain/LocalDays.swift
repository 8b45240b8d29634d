/// Days as the people at the equipment count them: the calendar day an instant falls on, and the
/// instant a day begins, in local time `offsetMs` ahead of UTC (Asia/Shanghai: 8 h, no daylight
/// saving since 1991).
///
/// A statutory date is a local date: an inspection due on 2026-12-20 is overdue from 00:00 on the
/// 21st in Beijing, not from 08:00 (UTC midnight); an alarm at 05:00 on 1 December Beijing time
/// belongs to December's statistics. Every core that asks "which day is it" takes one of these.
public struct LocalDays: Sendable, Hashable {
    /// Milliseconds local time is ahead of UTC.
    public let offsetMs: Int64

    public init(offsetMs: Int64) { self.offsetMs = offsetMs }

    /// China Standard Time, UTC+8 (the default: users are in China).
    public static let china = LocalDays(offsetMs: 8 * 3_600_000)
    public static let utc = LocalDays(offsetMs: 0)

    /// The local calendar day of the instant `ms` (epoch milliseconds).
    public func day(_ ms: Int64) -> Day { Day(epochMillis: ms + offsetMs) }

    /// Local midnight at the start of `day`, in epoch milliseconds.
    public func start(_ day: Day) -> Int64 { day.epochMillis - offsetMs }

    /// Local midnight at the end of `day` (the start of the next), in epoch milliseconds.
    public func end(_ day: Day) -> Int64 { start(day) + 86_400_000 }

    /// An instant as people read it in prose: `2026-11-26 15:45:32+08:00` (a notice's reason is
    /// written once and read by a dispatcher in Tianjin, not by a program: those get RFC 3339 UTC
    /// in the JSON beside it).
    public func format(_ ms: Int64) -> String {
        let local = Timestamp.format(ms + offsetMs)
        let minutes = Int(abs(offsetMs) / 60_000)
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return String(local.prefix(10)) + " " + String(local.dropFirst(11).prefix(8))
            + (offsetMs < 0 ? "-" : "+") + p2(minutes / 60) + ":" + p2(minutes % 60)
    }
}
