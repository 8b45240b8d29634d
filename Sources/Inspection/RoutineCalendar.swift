import Domain

/// Which routine periods an owner owes (SAMR Order 74: 日管控、周排查、月调度). Pure.
public enum RoutineCalendar {
    /// The periods of `kind` an owner whose staff were named on `since` owes from `from` through
    /// `to`: those that began on or after `since` and ended by `to`.
    public static func due(_ kind: RoutineKind, since: Day, from: Day, through to: Day) -> [RoutinePeriod] {
        kind.periods(from: max(from, since), through: to)
    }

    /// The day each owner's routine is owed from: the day after its staff were first named (a
    /// day they were named part-way through is not owed).
    public static func since(_ staff: [(owner: String, since: String)]) -> [String: Day] {
        var out: [String: Day] = [:]
        for s in staff {
            guard let day = Day(parsing: s.since)?.adding(days: 1) else { continue }
            out[s.owner] = min(out[s.owner] ?? day, day)
        }
        return out
    }

    /// `key` names a period of `kind` (`2026-12-07`, `2026-W49`, `2026-12`).
    public static func isPeriodKey(_ key: String, of kind: RoutineKind) -> Bool {
        switch kind {
        case .daily:
            guard let day = Day(parsing: key) else { return false }
            return day.description == key
        case .weekly:
            let parts = key.split(separator: "-W")
            guard parts.count == 2, let year = Int(parts[0]), let week = Int(parts[1]), parts[1].count == 2, (1...53).contains(week),
                  let jan4 = Day(year: year, month: 1, day: 4) else { return false }
            // Week 1 holds 4 January; a week number past the year's last week is no period.
            let monday = jan4.adding(days: 1 - jan4.weekday).adding(days: 7 * (week - 1))
            return RoutineKind.weekly.period(of: monday).key == key
        case .monthly:
            let parts = key.split(separator: "-")
            guard parts.count == 2, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
                  let first = Day(year: year, month: month, day: 1) else { return false }
            return RoutineKind.monthly.period(of: first).key == key
        }
    }

    /// An example key, for error messages.
    public static func example(_ kind: RoutineKind) -> String {
        switch kind {
        case .daily: "YYYY-MM-DD"
        case .weekly: "YYYY-Www, an ISO week such as 2026-W49"
        case .monthly: "YYYY-MM"
        }
    }
}
