import Domain
import Foundation
import Inspection
import Simulation

/// `equipwatch bench plan`: the inspection planner on a synthetic fleet (SPEC §12 performance:
/// one year, 100 k devices, 50 inspectors, under 5 s).
///
/// The fleet: `devices` devices on `devices / 10` sites, a periodic inspection each and a second
/// kind for one in three, due dates spread over the year after `from` and 5 % overdue, risk grades
/// 2 % red, 8 % orange, 30 % yellow, the rest blue. Deterministic (fixed seed).
public struct PlanBenchmark: Sendable {
    /// The synthetic fleet and inspectors `bench plan` plans for.
    public struct Options: Sendable {
        public var devices = 100_000
        public var inspectors = 50
        public var inspectionsPerDay = 4
        public var days = 365
        var calendarDirectory = "Devices/calendar"
        public init() {}
    }

    let options: Options
    let calendar: WorkCalendar
    let out: @Sendable (String) -> Void

    public init(options: Options, calendar: WorkCalendar, output: @escaping @Sendable (String) -> Void) {
        (self.options, self.calendar) = (options, calendar)
        out = output
    }

    /// Plans a year for the synthetic fleet and prints the time it took and the plan's size.
    public func run() {
        let from = Day(year: 2026, month: 12, day: 1)!
        var rng = SplitMix64(seed: 20261126)
        func next() -> UInt64 { rng.next() }
        var items: [PlanItem] = []
        let sites = max(1, options.devices / 10)
        for i in 0..<options.devices {
            let r = next() % 100
            let grade: Grade = r < 2 ? .red : r < 10 ? .orange : r < 40 ? .yellow : .blue
            let overdue = next() % 100 < 5
            let offset = overdue ? -Int(next() % 200) - 1 : Int(next() % UInt64(options.days))
            let site = "site-\(next() % UInt64(sites))"
            let device = "dev-\(i)"
            items.append(PlanItem(device: device, type: "elevator", kind: "periodic", due: from.adding(days: offset), grade: grade, site: site))
            if i % 3 == 0 {
                items.append(PlanItem(device: device, type: "elevator", kind: "self_test", due: from.adding(days: Int(next() % UInt64(options.days))),
                                      grade: grade, site: site))
            }
        }
        let request = PlanRequest(items: items, from: from, to: from.adding(days: options.days - 1), inspectors: options.inspectors,
                                  inspectionsPerDay: options.inspectionsPerDay, calendar: calendar, policy: PlanPolicy())
        var best = Double.infinity
        var plan: InspectionPlan?
        for _ in 0..<3 {
            let started = Date()
            let p = InspectionPlanner.plan(request)
            best = min(best, Date().timeIntervalSince(started))
            plan = p
        }
        guard let plan else { return }
        let s = plan.summary
        out(String(format: "plan: %d devices, %d inspections on %d sites, %d days (%d working), %d inspectors × %d inspections a day: best of 3 %.3f s (target < 5 s: %@)",
                   options.devices, items.count, sites, options.days, s.workingDays, options.inspectors, options.inspectionsPerDay, best,
                   best < 5 ? "met" : "NOT met"))
        out("plan: \(s.visits) visits, capacity \(s.capacity) inspections; \(s.scheduled) scheduled (\(s.onTime) on time, \(s.late) late, "
            + "\(s.overdueAtStart) overdue at the start, \(s.forwarded) forwarded by risk), \(s.unassigned) unassigned")
    }
}
