/// A calendar period of the maintenance regulations (TSG T5002-2017 item tiers; the Shenzhen
/// on-demand rule: half-monthly items within a calendar month, the others within their calendar
/// quarter, half-year and year) — calendar periods in local time, not rolling durations.
public enum CalendarPeriod: String, Sendable, Codable, CaseIterable {
    case month, quarter
    case halfYear = "half_year"
    case year

    /// Its name in Chinese: 月, 季度, 半年, 年.
    public var chinese: String {
        switch self {
        case .month: "月"
        case .quarter: "季度"
        case .halfYear: "半年"
        case .year: "年"
        }
    }

    var months: Int {
        switch self {
        case .month: 1
        case .quarter: 3
        case .halfYear: 6
        case .year: 12
        }
    }

    /// The end (exclusive, epoch ms) of the period containing `ms`, in the local `days`
    /// (Asia/Shanghai: 8 h ahead of UTC).
    public func end(containing ms: Int64, in days: LocalDays) -> Int64 {
        let local = days.day(ms)
        let first = (local.month - 1) / months * months + 1
        let next = first + months
        let start = next > 12 ? Day(year: local.year + 1, month: next - 12, day: 1) : Day(year: local.year, month: next, day: 1)
        return start.map(days.start) ?? Int64.max / 2
    }

    /// When work done at `ms` must next be done: by the end of the following period (each
    /// period must hold one completion).
    public func nextDue(after ms: Int64, in days: LocalDays) -> Int64 {
        end(containing: end(containing: ms, in: days), in: days)
    }
}
