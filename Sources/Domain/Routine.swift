/// The people an owner (使用单位) names for its special equipment (SAMR Order 74, 2023,
/// 《特种设备使用单位落实使用安全主体责任监督管理规定》): its principal, its safety director and its
/// safety officers.
public enum StaffRole: String, Sendable, Codable, CaseIterable {
    /// 主要负责人: holds the monthly review (月调度).
    case principal
    /// 安全总监: holds the weekly hazard check (周排查).
    case safetyDirector = "safety_director"
    /// 安全员: holds the daily check (日管控).
    case safetyOfficer = "safety_officer"

    public var chinese: String {
        switch self {
        case .principal: "主要负责人"
        case .safetyDirector: "安全总监"
        case .safetyOfficer: "安全员"
        }
    }
}

/// The owner's routine records (SAMR Order 74: 日管控、周排查、月调度), each by its own role.
public enum RoutineKind: String, Sendable, Codable, CaseIterable {
    /// 日管控: the daily check, per device or per site, with anything found.
    case daily
    /// 周排查: the weekly hazard check.
    case weekly
    /// 月调度: the monthly review: decisions and hazards carried over.
    case monthly

    public var chinese: String {
        switch self {
        case .daily: "日管控"
        case .weekly: "周排查"
        case .monthly: "月调度"
        }
    }

    /// Who holds it.
    public var holder: StaffRole {
        switch self {
        case .daily: .safetyOfficer
        case .weekly: .safetyDirector
        case .monthly: .principal
        }
    }

    /// The period containing `day`: the day, its ISO week (Monday to Sunday) or its month.
    public func period(of day: Day) -> RoutinePeriod {
        switch self {
        case .daily:
            return RoutinePeriod(kind: self, first: day, last: day, key: day.description)
        case .weekly:
            let monday = day.adding(days: 1 - day.weekday)
            // The ISO year and week number are those of the week's Thursday.
            let thursday = monday.adding(days: 3)
            let jan1 = Day(year: thursday.year, month: 1, day: 1)!
            let week = jan1.days(to: thursday) / 7 + 1
            let w = week < 10 ? "0\(week)" : "\(week)"
            return RoutinePeriod(kind: self, first: monday, last: monday.adding(days: 6), key: "\(thursday.year)-W\(w)")
        case .monthly:
            let first = Day(year: day.year, month: day.month, day: 1)!
            let m = day.month < 10 ? "0\(day.month)" : "\(day.month)"
            return RoutinePeriod(kind: self, first: first, last: first.adding(months: 1).adding(days: -1), key: "\(day.year)-\(m)")
        }
    }

    /// The periods that ended on or before `to` and began on or after `from`, oldest first.
    public func periods(from: Day, through to: Day) -> [RoutinePeriod] {
        guard from <= to else { return [] }
        var out: [RoutinePeriod] = []
        var p = period(of: from)
        if p.first < from { p = period(of: p.last.adding(days: 1)) }
        while p.last <= to {
            out.append(p)
            p = period(of: p.last.adding(days: 1))
        }
        return out
    }
}

/// One period of a routine: a day, an ISO week or a month, with its key (`2026-12-07`,
/// `2026-W49`, `2026-12`).
public struct RoutinePeriod: Sendable, Hashable {
    public let kind: RoutineKind
    public let first: Day
    public let last: Day
    public let key: String
}
