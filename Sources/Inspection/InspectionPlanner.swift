import Domain

/// One statutory inspection to plan: a device's next inspection of one kind.
public struct PlanItem: Sendable, Hashable {
    /// The device's registration code.
    public let device: String
    /// The device type's id.
    public let type: String
    /// The inspection kind (`periodic`, `internal`, `external`...).
    public let kind: String
    /// The due date (local).
    public let due: Day
    /// The device's risk grade, which brings an inspection forward (nil: not graded).
    public let grade: Grade?
    /// The site's id.
    public let site: String
    /// The owner's own duty (an elevator's self-test, TSG T7008-2023: `performed_by: owner`):
    /// listed for the owner, never booked on an inspector.
    public let byOwner: Bool
    /// The owner's (使用单位) id.
    public let owner: String?

    public init(device: String, type: String, kind: String, due: Day, grade: Grade?, site: String, byOwner: Bool = false, owner: String? = nil) {
        (self.device, self.type, self.kind, self.due, self.grade, self.site) = (device, type, kind, due, grade, site)
        (self.byOwner, self.owner) = (byOwner, owner)
    }
}

/// What to plan: the inspections, the period, the capacity and the calendar.
public struct PlanRequest: Sendable {
    /// The inspections, in the order planned.
    public var items: [PlanItem]
    /// Site names by id, for the plan's readers.
    public var siteNames: [String: String]
    /// The first day planned.
    public var from: Day
    /// The last day planned.
    public var to: Day
    /// Inspectors available each working day.
    public var inspectors: Int
    /// Inspections one inspector makes in a working day (whether at one site or several).
    public var inspectionsPerDay: Int
    /// Working days, holidays and working weekends.
    public var calendar: WorkCalendar
    /// How visits are planned (`inspection_plan.yaml`).
    public var policy: PlanPolicy

    public init(items: [PlanItem], siteNames: [String: String] = [:], from: Day, to: Day, inspectors: Int, inspectionsPerDay: Int,
                calendar: WorkCalendar, policy: PlanPolicy) {
        (self.items, self.siteNames, self.from, self.to, self.inspectors) = (items, siteNames, from, to, inspectors)
        (self.inspectionsPerDay, self.calendar, self.policy) = (inspectionsPerDay, calendar, policy)
    }
}

/// A plan: visits (one inspector, one site, one day, the site's inspections planned that day),
/// what could not be placed with its reason, and a summary.
public struct InspectionPlan: Sendable, Equatable {
    /// One inspection due in the period, for one device.
    public struct Entry: Sendable, Equatable {
        /// The device's registration code.
        public let device: String
        /// The device type's id.
        public let type: String
        /// The inspection kind (`periodic`, `internal`, `external`...).
        public let kind: String
        /// The due date (local).
        public let due: Day
        /// The device's risk grade, which brings an inspection forward (nil: not graded).
        public let grade: Grade?
        /// Planned after its due date (it was overdue at the plan's start, or capacity ran out).
        public let overdue: Bool
        /// Brought forward by its risk grade.
        public let forwarded: Bool
    }

    /// A site visit on one working day by one inspector, with the inspections it covers.
    public struct Visit: Sendable, Equatable {
        /// The working day of the visit.
        public let date: Day
        /// 1-based inspector number.
        public let inspector: Int
        /// The site's id.
        public let site: String
        /// The site's name.
        public let siteName: String
        /// The inspections, in the order planned.
        public var items: [Entry]
        /// Stable across runs for the same visit (date, site and inspector: two inspectors may
        /// share a site's work on a busy day): the iCalendar UID.
        public var uid: String { String(SHA256.hex("\(date)|\(site)|\(inspector)".utf8).prefix(32)) + "@equipwatch" }
    }

    /// An inspection the period's capacity could not fit, with its due date.
    public struct Unassigned: Sendable, Equatable {
        /// The device's registration code.
        public let device: String
        /// The device type's id.
        public let type: String
        /// The inspection kind (`periodic`, `internal`, `external`...).
        public let kind: String
        /// The due date (local).
        public let due: Day
        /// The device's risk grade, which brings an inspection forward (nil: not graded).
        public let grade: Grade?
        /// Why it could not be placed.
        public let reason: String
    }

    /// An inspection that is the owner's own duty (an elevator's self-test), due within the
    /// period or overdue: listed for the owner, not booked on an inspector.
    public struct OwnerDuty: Sendable, Equatable {
        /// The device's registration code.
        public let device: String
        /// The device type's id.
        public let type: String
        /// The inspection kind (`periodic`, `internal`, `external`...).
        public let kind: String
        /// The due date (local).
        public let due: Day
        /// The owner's (使用单位) id.
        public let owner: String
        /// The site's id.
        public let site: String
        /// Overdue at the plan's start.
        public let overdue: Bool
    }

    /// The plan in figures: inspections due, planned, late and unassigned.
    public struct Summary: Sendable, Equatable {
        /// The first day planned.
        public var from: Day
        /// The last day planned.
        public var to: Day
        public var workingDays = 0
        /// Inspections the capacity allows over the period (inspectors × per day × working days).
        public var capacity = 0
        public var visits = 0
        public var inspections = 0
        public var scheduled = 0
        public var onTime = 0
        public var late = 0
        public var overdueAtStart = 0
        public var forwarded = 0
        public var unassigned = 0
        /// Owners' own inspections (self-tests) due within the period or overdue.
        public var ownerDuties = 0
        /// What a reader of the plan should know (a calendar year missing, a capacity of zero).
        public var caveats: [String] = []
    }

    /// Visits planned.
    public var visits: [Visit]
    /// Inspections that could not be placed, with the reason.
    public var unassigned: [Unassigned]
    /// Owners' own inspections (self-tests), listed not booked.
    public var ownerDuties: [OwnerDuty] = []
    /// The plan in figures.
    public var summary: Summary
}

/// Turns due inspections into visits (SPEC §12). Pure and deterministic: the same request gives
/// the same plan.
///
/// Capacity counts inspections: each inspector makes at most `inspectionsPerDay` a working day,
/// in one visit or several. Each inspection has a window: from `plan_ahead_days` before its due
/// date (or the plan's start, if later) to its due date; an inspection overdue at the start must
/// be done at once; a red or orange device's window ends `forward_within_days` after the start
/// when that is earlier than its due date. Only inspections due within the period (or overdue)
/// are planned: grouping at a site never pulls in one due after it. Inspections are taken overdue
/// first (oldest first), then by risk grade, then by due date, and each is placed, in this order
/// of preference:
/// 1. in an existing visit to its site within its window whose inspector has capacity left;
/// 2. in a new visit on the first working day of its window with capacity left, by the inspector
///    with the least work that day;
/// 3. only when its window has no capacity left: on the first working day after it with capacity
///    (or an existing visit to its site before that day), marked overdue;
/// 4. otherwise it is unassigned, with the reason.
/// The owners' own inspections (self-tests) are not booked: they are listed as owner duties.
public enum InspectionPlanner {
    /// Plans the request's due inspections into visits by working day and inspector: overdue
    /// first, then by risk grade and due date (see the type).
    public static func plan(_ r: PlanRequest) -> InspectionPlan {
        var summary = InspectionPlan.Summary(from: r.from, to: r.to)
        summary.caveats = r.calendar.caveats(from: r.from, to: max(r.from, r.to))
        // The period's working days, and the capacity of each.
        var days: [Day] = []
        var d = r.from
        while d <= r.to {
            if r.calendar.isWorkingDay(d) { days.append(d) }
            d = d.adding(days: 1)
        }
        let inspectors = max(0, r.inspectors)
        let perInspector = max(0, r.inspectionsPerDay)
        let perDay = inspectors * perInspector
        summary.workingDays = days.count
        summary.capacity = days.count * perDay
        // Inspections booked per day, and per day and inspector.
        var used = [Int](repeating: 0, count: days.count)
        var load = [Int](repeating: 0, count: days.count * max(1, inspectors))
        // next[i]: the first day index >= i that may have capacity left (path-compressed).
        var next = Array(0...days.count)
        func firstFree(_ i: Int) -> Int {
            var root = i
            while root < days.count, used[root] >= perDay || next[root] != root {
                if used[root] >= perDay { next[root] = root + 1 }
                root = next[root]
            }
            var j = i
            while j < root { let n = next[j]; next[j] = root; j = n }
            return root
        }
        func dayIndex(atOrAfter day: Day) -> Int {
            var lo = 0, hi = days.count
            while lo < hi { let mid = (lo + hi) / 2; if days[mid] < day { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        func dayIndex(atOrBefore day: Day) -> Int { dayIndex(atOrAfter: day.adding(days: 1)) - 1 }

        struct Candidate {
            let item: PlanItem
            let earliest: Day
            let deadline: Day
            let overdueAtStart: Bool
            let forwarded: Bool
        }
        var candidates: [Candidate] = []
        var ownerDuties: [InspectionPlan.OwnerDuty] = []
        for item in r.items {
            let overdue = item.due < r.from
            // Due after the period: a later plan's (grouping by site must not pull it in).
            guard overdue || item.due <= r.to else { continue }
            if item.byOwner {
                ownerDuties.append(.init(device: item.device, type: item.type, kind: item.kind, due: item.due, owner: item.owner ?? "",
                                         site: item.site, overdue: overdue))
                continue
            }
            var deadline = overdue ? r.from : item.due
            var earliest = max(r.from, item.due.adding(days: -r.policy.planAheadDays))
            var forwarded = false
            if !overdue, let grade = item.grade, let within = r.policy.forwardWithinDays[grade] {
                let limit = r.from.adding(days: within)
                if limit < deadline { deadline = limit; forwarded = true }
                earliest = r.from
            }
            candidates.append(Candidate(item: item, earliest: min(earliest, deadline), deadline: deadline,
                                        overdueAtStart: overdue, forwarded: forwarded))
        }
        func rank(_ g: Grade?) -> Int { g.map { Grade.allCases.count - Grade.allCases.firstIndex(of: $0)! } ?? Grade.allCases.count + 1 }
        candidates.sort { a, b in
            if a.overdueAtStart != b.overdueAtStart { return a.overdueAtStart }
            if a.overdueAtStart, a.item.due != b.item.due { return a.item.due < b.item.due }
            let ra = rank(a.item.grade), rb = rank(b.item.grade)
            if ra != rb { return ra < rb }
            if a.deadline != b.deadline { return a.deadline < b.deadline }
            return (a.item.device, a.item.kind) < (b.item.device, b.item.kind)
        }
        summary.inspections = candidates.count

        struct Draft { let day: Int; let inspector: Int; let order: Int; let site: String; var items: [InspectionPlan.Entry] }
        var drafts: [Draft] = []
        var bySite: [String: [(day: Int, draft: Int)]] = [:]  // sorted by day
        var unassigned: [InspectionPlan.Unassigned] = []

        func hasRoom(_ draft: Int) -> Bool { load[drafts[draft].day * inspectors + drafts[draft].inspector] < perInspector }
        func existing(_ site: String, from lo: Int, to hi: Int) -> Int? {
            guard lo <= hi, let list = bySite[site] else { return nil }
            return list.first { $0.day >= lo && $0.day <= hi && hasRoom($0.draft) }?.draft
        }
        func open(_ site: String, day: Int) -> Int {
            // The inspector with the least work that day (the first of them on a tie).
            let k = (0..<inspectors).min { (load[day * inspectors + $0], $0) < (load[day * inspectors + $1], $1) } ?? 0
            drafts.append(Draft(day: day, inspector: k, order: drafts.count, site: site, items: []))
            var list = bySite[site, default: []]
            let at = list.firstIndex { $0.day > day } ?? list.count
            list.insert((day, drafts.count - 1), at: at)
            bySite[site] = list
            return drafts.count - 1
        }
        func book(_ draft: Int) {
            used[drafts[draft].day] += 1
            load[drafts[draft].day * inspectors + drafts[draft].inspector] += 1
        }

        for c in candidates {
            let lo = dayIndex(atOrAfter: c.earliest)
            let hi = dayIndex(atOrBefore: c.deadline)
            var target: Int?
            if let v = existing(c.item.site, from: lo, to: hi) {
                target = v
            } else if perDay > 0, lo <= hi, case let f = firstFree(lo), f <= hi {
                target = open(c.item.site, day: f)
            } else if perDay > 0 {
                let after = max(lo, hi + 1)
                let f = firstFree(after)
                if let v = existing(c.item.site, from: after, to: min(f, days.count - 1)) {
                    target = v
                } else if f < days.count {
                    target = open(c.item.site, day: f)
                }
            }
            guard let target else {
                let reason: String
                if days.isEmpty { reason = "no working day between \(r.from) and \(r.to)" }
                else if perDay == 0 { reason = "no capacity: \(r.inspectors) inspector(s) × \(r.inspectionsPerDay) inspection(s) a day" }
                else { reason = "no capacity left from \(max(c.earliest, r.from)) to \(r.to): all \(summary.capacity) inspections of \(days.count) working days are booked" }
                unassigned.append(.init(device: c.item.device, type: c.item.type, kind: c.item.kind, due: c.item.due, grade: c.item.grade, reason: reason))
                continue
            }
            book(target)
            let day = days[drafts[target].day]
            let late = c.overdueAtStart || day > c.item.due
            drafts[target].items.append(.init(device: c.item.device, type: c.item.type, kind: c.item.kind, due: c.item.due,
                                              grade: c.item.grade, overdue: late, forwarded: c.forwarded))
            summary.scheduled += 1
            if late { summary.late += 1 } else { summary.onTime += 1 }
            if c.overdueAtStart { summary.overdueAtStart += 1 }
            if c.forwarded { summary.forwarded += 1 }
        }
        summary.unassigned = unassigned.count
        summary.overdueAtStart += unassigned.filter { $0.due < r.from }.count
        summary.ownerDuties = ownerDuties.count
        let visits = drafts
            .sorted { ($0.day, $0.inspector, $0.order) < ($1.day, $1.inspector, $1.order) }
            .map { draft in
                InspectionPlan.Visit(date: days[draft.day], inspector: draft.inspector + 1, site: draft.site,
                                     siteName: r.siteNames[draft.site] ?? draft.site,
                                     items: draft.items.sorted { ($0.device, $0.kind) < ($1.device, $1.kind) })
            }
        summary.visits = visits.count
        ownerDuties.sort { ($0.due, $0.device, $0.kind) < ($1.due, $1.device, $1.kind) }
        return InspectionPlan(visits: visits, unassigned: unassigned, ownerDuties: ownerDuties, summary: summary)
    }
}
