import Domain
import DeviceCatalog
import Foundation
import Ingest
import Maintenance
import Testing

/// A planner on a clock the test moves: one elevator (firm graded A, inspections valid), fed
/// telemetry and events at chosen times. Times are epoch ms from 2026-01-01T00:00Z.
final class PlannerHarness {
    static let types = RuleEngineTests.types
    static let origin: Int64 = 1_767_225_600_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    let directory: DeviceDirectory
    let planner: MaintenancePlanner
    let type: DeviceType
    var now = PlannerHarness.origin
    var notices: [NoticeDraft] = []
    var events: [DerivedEvent] = []
    var counters: [String: Double] = ["run_count": 10_000, "door_cycles": 20_000, "running_hours": 500]

    init(firmGrade: String = "A", devicesDirectory types: [String: DeviceType] = PlannerHarness.types,
         commissioned: String = "2025-06-01", lastPeriodic: String = "2025-12-01",
         insured: (from: String, to: String)? = ("2000-01-01", "2099-12-31")) {
        type = types["elevator"]!
        let record = DeviceRecord(
            id: "E1", type: "elevator", gateway: "g", site: "s", owner: "o", firm: "firm-a",
            commissioned: Day(parsing: commissioned)!, lastInspections: ["periodic": Day(parsing: lastPeriodic)!],
            inspectionGrade: nil,
            attributes: ["rated_speed_mps": .number(1.5), "rated_load_kg": .number(800), "floors": .number(10), "kind": .string("traction")],
            origin: Origin(file: "test", line: nil))
        self.record = record
        directory = Self.directory(types: types, record: record, firmGrade: firmGrade, insured: insured)
        planner = MaintenancePlanner(directory: directory, rules: nil, restored: [:], options: .init(startedAt: PlannerHarness.origin))
    }

    var state: PlanState { planner.state(of: 1)! }
    let record: DeviceRecord

    static func directory(types: [String: DeviceType], record: DeviceRecord, firmGrade: String,
                          insured: (from: String, to: String)?) -> DeviceDirectory {
        DeviceDirectory(types: types, devices: [(1, record)], gateways: ["g"],
                        firms: [Firm(id: "firm-a", name: "A", grade: firmGrade)],
                        sites: [Site(id: "s", name: "S", category: "school", city: nil, peopleExposed: 2400)],
                        policies: insured.map { [InsurancePolicy(number: "P1", insurer: "I", owner: "o", device: nil, types: ["elevator"], coverCny: 1,
                                                                 validFrom: Day(parsing: $0.from)!, validTo: Day(parsing: $0.to)!)] } ?? [])
    }

    /// One telemetry reading with the current counters at `now`, then a clock tick.
    func reading(_ changes: [String: Double] = [:]) {
        for (k, v) in changes { counters[k, default: 0] += v }
        var values = [Scalar?](repeating: nil, count: type.fields.count)
        for (k, v) in counters { values[type.fieldPosition(k)!] = .number(v) }
        values[type.fieldPosition("moving")!] = .bool(false)
        var out = PlannerOutput()
        planner.observe(AcceptedMessage(deviceNum: 1, entryIndex: 0, kind: .telemetry, ts: now, seq: nil, receivedAt: now,
                                         values: FieldValues(values), code: nil, data: "{}"), into: &out)
        planner.tick(now: now, into: &out)
        collect(out)
    }

    func event(_ code: String) {
        var out = PlannerOutput()
        planner.observe(AcceptedMessage(deviceNum: 1, entryIndex: 0, kind: .event, ts: now, seq: nil, receivedAt: now,
                                         values: [], code: code, data: "{}"), into: &out)
        collect(out)
    }

    func tick() {
        var out = PlannerOutput()
        planner.tick(now: now, into: &out)
        collect(out)
    }

    /// Moves the clock to `end`, with a reading every `every` (nil: silence) and a tick each minute.
    func run(until end: Int64, readingEvery every: Int64? = 30 * PlannerHarness.minute) {
        var nextReading = now
        while now < end {
            now = min(end, now + PlannerHarness.minute)
            if let every, now >= nextReading { reading(); nextReading = now + every } else { tick() }
        }
    }

    func complete(record: Int64, tiers: [MaintenanceTier] = [], at: Int64? = nil) {
        var out = PlannerOutput()
        planner.apply(MaintenanceRecord(id: record, deviceNum: 1, firm: "firm-a", doneAt: at ?? now, tiers: tiers), into: &out)
        collect(out)
    }

    private func collect(_ out: PlannerOutput) {
        notices += out.notices
        events += out.events
    }

    func of(_ kind: NoticeKind) -> [NoticeDraft] { notices.filter { $0.kind == kind } }
}

@Suite("Maintenance planner (injectable clock)")
struct MaintenancePlannerTests {
    typealias H = PlannerHarness

    @Test("a state's counters and tiers (a sorted array) and its due maintenance are stored as before and read back")
    func namedValuesPersistLikeADictionary() throws {
        var state = PlanState(baselineAt: 1000, regime: .onDemand)
        state.counters["run_count"] = CounterState(first: 12, ts: 5)
        state.counters["door_cycles"] = CounterState(first: 40, ts: 5)
        state.counters["run_count"]?.used = 3
        #expect(state.counters.keys == ["door_cycles", "run_count"])
        state.tiers = ["yearly": TierState(doneAt: 7), "quarterly": TierState(doneAt: 9)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let asDictionary = try JSONSerialization.jsonObject(with: try encoder.encode(
            ["run_count": state.counters["run_count"]!, "door_cycles": state.counters["door_cycles"]!])) as? NSDictionary
        let stored = try JSONSerialization.jsonObject(with: try encoder.encode(state)) as? [String: Any]
        #expect((stored?["counters"] as? NSDictionary) == asDictionary)
        state.due = try JSONDecoder().decode(PlanState.Due.self, from: Data(#"{"trigger":"run_count","reason":"r","reasonZh":"原因","at":10,"dueBy":20,"overdue":false}"#.utf8))
        state.due?.overdue = true
        let storedDue = try JSONSerialization.jsonObject(with: try encoder.encode(state)) as? [String: Any]
        #expect((storedDue?["due"] as? [String: Any])?["trigger"] as? String == "run_count")
        #expect((storedDue?["due"] as? [String: Any])?["overdue"] as? Bool == true)
        let back = try JSONDecoder().decode(PlanState.self, from: try encoder.encode(state))
        #expect(back == state && back.due?.dueBy == 20)
        state.due = nil
        #expect(try JSONDecoder().decode(PlanState.self, from: try encoder.encode(state)).due == nil)
        #expect(back.counters["run_count"]?.used == 3 && back.tiers?["quarterly"]?.doneAt == 9 && back.tiers?["monthly"] == nil)
        // Equal whatever order the names were given in.
        var other = PlanState(baselineAt: 1000, regime: .onDemand)
        other.counters["door_cycles"] = state.counters["door_cycles"]
        other.counters["run_count"] = state.counters["run_count"]
        other.tiers = ["quarterly": TierState(doneAt: 9), "yearly": TierState(doneAt: 7)]
        #expect(other == state)
        other.due = back.due
        #expect(other != state)
    }

    @Test("an eligible elevator starts on the on-demand regime, without a notice")
    func startsOnDemand() {
        let h = H()
        #expect(h.state.regime == .onDemand)
        #expect(h.notices.isEmpty)
    }

    @Test("on-demand needs a valid inspection: an elevator whose periodic inspection is overdue is on the fixed regime")
    func overdueInspectionIsFixed() {
        // In service since 2015: inspected 2022 (year 7), so year 9's inspection was due 2024-01-01.
        let overdue = H(commissioned: "2015-01-01", lastPeriodic: "2022-01-01")
        #expect(overdue.state.regime == .fixed)
        // Inspected last month: valid, on demand.
        #expect(H(commissioned: "2015-01-01", lastPeriodic: "2025-12-01").state.regime == .onDemand)
    }

    @Test("the clock sweeps a fleet in steps: a calendar date for 25 devices gives at most tickStep notices per call, each device once")
    func clockSweepsInSteps() {
        let records = (1...25).map { i in
            DeviceRecord(id: "E\(i)", type: "elevator", gateway: "g", site: "s", owner: "o", firm: "firm-c",
                         commissioned: Day(parsing: "2025-06-01")!, lastInspections: ["periodic": Day(parsing: "2025-12-01")!],
                         inspectionGrade: nil, attributes: ["rated_speed_mps": .number(1.5)], origin: Origin(file: "test", line: nil))
        }
        let directory = DeviceDirectory(types: H.types, devices: records.enumerated().map { (Int64($0.offset + 1), $0.element) }, gateways: ["g"],
                                        firms: [Firm(id: "firm-c", name: "C", grade: "C")],
                                        sites: [Site(id: "s", name: "S", category: "school", city: nil, peopleExposed: 2400)])
        var options = MaintenancePlanner.Options(startedAt: H.origin)
        options.tickStep = 10
        let planner = MaintenancePlanner(directory: directory, rules: nil, restored: [:], options: options)
        // Fixed regime (firm graded C): every device's calendar notice falls due 12 days in.
        var counts: [Int] = []
        var devices: [String] = []
        for k in 0..<4 {
            var out = PlannerOutput()
            planner.tick(now: H.origin + 12 * H.day + Int64(k), into: &out)
            let due = out.notices.filter { $0.kind == .maintenanceDue }
            counts.append(due.count)
            devices += due.map(\.device)
            #expect(planner.sweeping == (k != 2))  // done after the third; the fourth starts another
        }
        #expect(counts == [10, 10, 5, 0])  // the fourth call starts a new sweep: nothing new is due
        #expect(Set(devices).count == 25)
    }

    @Test("a firm graded C keeps its elevator on the fixed regime from the start")
    func firmGradedCIsFixed() {
        let h = H(firmGrade: "C")
        #expect(h.state.regime == .fixed)
        h.run(until: H.origin + 12 * H.day - H.minute)
        #expect(h.of(.maintenanceDue).isEmpty)
        h.run(until: H.origin + 12 * H.day)
        // Fixed regime: every 15 days, notified one deadline (3 days) before.
        let due = h.of(.maintenanceDue)
        #expect(due.count == 1)
        #expect(due.first?.createdAt == H.origin + 12 * H.day)
        #expect(due.first?.dueBy == H.origin + 15 * H.day)
        #expect(due.first?.trigger == "calendar")
    }

    @Test("on demand, the routine items fall due by the end of the next calendar month (Shenzhen rule), not 30 rolling days; overdue once after")
    func calendarMonthAndOverdue() {
        let h = H()
        // Seen first on 2026-01-01 08:00 Beijing: January is covered, February must hold a visit,
        // so it is due by 2026-03-01 00:00+08:00 = 2026-02-28T16:00Z, the notice one deadline (3 d) before.
        let dueBy = H.origin + 58 * H.day + 16 * H.hour
        h.run(until: dueBy - 3 * H.day - H.minute)
        #expect(h.of(.maintenanceDue).isEmpty)                     // 30 rolling days (Jan 31) passed long ago
        h.run(until: dueBy - H.day)
        let due = h.of(.maintenanceDue)
        #expect(due.count == 1)
        #expect(due.first?.createdAt == dueBy - 3 * H.day)
        #expect(due.first?.dueBy == dueBy)
        #expect(due.first?.reason.en.contains("once in every calendar month") == true)
        #expect(due.first?.reason.zh.contains("每个自然月至少一次") == true)
        #expect(due.first?.reason.code == .maintenanceCalendar)
        #expect(h.of(.maintenanceOverdue).isEmpty)
        h.run(until: dueBy + H.day)
        let overdue = h.of(.maintenanceOverdue)
        #expect(overdue.count == 1)
        #expect(overdue.first?.createdAt == dueBy)
        #expect(h.of(.maintenanceDue).count == 1)
        #expect(h.of(.regimeChanged).isEmpty)
    }

    @Test("calendar periods in Beijing time: a visit on the last evening of a month or quarter and one just after midnight fall in different periods")
    func calendarPeriods() {
        let days = LocalDays(offsetMs: 8 * H.hour)
        func at(_ text: String) -> Int64 { Timestamp.parseRFC3339(text)! }
        #expect(CalendarPeriod.month.nextDue(after: at("2026-11-30T23:30:00+08:00"), in: days) == at("2027-01-01T00:00:00+08:00"))
        #expect(CalendarPeriod.month.nextDue(after: at("2026-12-01T00:30:00+08:00"), in: days) == at("2027-02-01T00:00:00+08:00"))
        #expect(CalendarPeriod.quarter.nextDue(after: at("2026-03-31T23:00:00+08:00"), in: days) == at("2026-07-01T00:00:00+08:00"))
        #expect(CalendarPeriod.quarter.nextDue(after: at("2026-04-01T00:30:00+08:00"), in: days) == at("2026-10-01T00:00:00+08:00"))
        #expect(CalendarPeriod.halfYear.nextDue(after: at("2026-06-30T12:00:00+08:00"), in: days) == at("2027-01-01T00:00:00+08:00"))
        #expect(CalendarPeriod.year.nextDue(after: at("2026-12-31T23:59:00+08:00"), in: days) == at("2028-01-01T00:00:00+08:00"))
        // The same instant is still March in UTC: the period is the local one.
        #expect(CalendarPeriod.quarter.end(containing: at("2026-04-01T00:30:00+08:00"), in: .utc) == at("2026-04-01T00:00:00Z"))
    }

    @Test("item tiers have their own cycles: in the fixed regime quarterly items fall due 90 d after they were done, and only a completion covering them resets that")
    func tiersFixedRegime() {
        let h = H(firmGrade: "C")
        #expect(h.state.regime == .fixed)
        func quarterly() -> [NoticeDraft] { h.notices.filter { $0.trigger == "tier:quarterly" } }
        h.now = H.origin + 87 * H.day - H.minute
        h.tick()
        #expect(quarterly().isEmpty)
        h.now = H.origin + 87 * H.day
        h.tick()
        #expect(quarterly().map(\.kind) == [.maintenanceDue])
        #expect(quarterly().first?.dueBy == H.origin + 90 * H.day)
        #expect(quarterly().first?.reason.en.hasPrefix("quarterly items (TSG T5002-2017) due by") == true)
        #expect(quarterly().first?.reason.zh.hasPrefix("季度项目（TSG T5002-2017）应于") == true)
        // A routine visit does not cover the quarterly items: overdue at 90 d, once.
        h.complete(record: 1)
        h.now = H.origin + 90 * H.day
        h.tick()
        h.tick()
        #expect(quarterly().map(\.kind) == [.maintenanceDue, .maintenanceOverdue])
        // Done with the quarterly items on day 91: next due on day 181, nothing more before.
        h.now = H.origin + 91 * H.day
        h.complete(record: 2, tiers: [.quarterly])
        h.now = H.origin + 178 * H.day - H.minute
        h.tick()
        #expect(quarterly().count == 2)
        h.now = H.origin + 178 * H.day
        h.tick()
        #expect(quarterly().count == 3)
        #expect(quarterly().last?.dueBy == H.origin + 181 * H.day)
        // The yearly items were never done: due a year after the cycle began.
        #expect(h.notices.filter { $0.trigger == "tier:yearly" }.isEmpty)
    }

    @Test("each usage counter fires one notice at the reading that crosses its threshold", arguments: [
        ("run_count", 100.0, 6000.0), ("door_cycles", 250.0, 12_000.0), ("running_hours", 7.5, 300.0),
    ])
    func usageThresholds(counter: String, step: Double, threshold: Double) {
        let h = H()
        h.reading()
        let steps = Int((threshold / step).rounded(.up))
        for i in 1...(steps + 20) {
            h.now += 10 * H.minute
            h.reading([counter: step])
            if i == steps - 1 { #expect(h.of(.maintenanceDue).isEmpty, "fired before \(counter) reached \(threshold)") }
        }
        let due = h.of(.maintenanceDue)
        #expect(due.count == 1)
        #expect(due.first?.trigger == counter)
        #expect(due.first?.createdAt == H.origin + Int64(steps) * 10 * H.minute)
        #expect(due.first?.dueBy == due.first!.createdAt + 3 * H.day)
        #expect(due.first?.detail.contains("\"threshold\":\(formatNumber(threshold))") == true)
    }

    @Test("three door faults within 24 h fire one notice; three spread over more than 24 h do not")
    func repeatedFaults() {
        let spread = H()
        for _ in 0..<3 {
            spread.event("door_close_fault")
            spread.run(until: spread.now + 13 * H.hour)
        }
        #expect(spread.of(.maintenanceDue).isEmpty)

        let h = H()
        h.event("door_close_fault")
        h.run(until: h.now + 5 * H.hour)
        h.event("door_open_fault")
        h.run(until: h.now + 5 * H.hour)
        #expect(h.of(.maintenanceDue).isEmpty)
        h.event("door_close_fault")
        h.event("door_close_fault")
        let due = h.of(.maintenanceDue)
        #expect(due.count == 1)
        #expect(due.first?.trigger == "faults")
        #expect(due.first?.createdAt == H.origin + 10 * H.hour)
    }

    @Test("a completion resets the counters' baseline and the calendar; the next cycle notifies again, under a new key")
    func completionResets() {
        let h = H()
        h.reading()
        for _ in 0..<61 { h.now += H.minute; h.reading(["run_count": 100]) }
        #expect(h.of(.maintenanceDue).count == 1)
        h.complete(record: 7)
        #expect(h.state.due == nil)
        #expect(h.state.counters["run_count"]?.used == 0)
        #expect(h.state.baselineAt == h.now)
        // 5,900 more runs: not due; the calendar now counts from the completion.
        for _ in 0..<59 { h.now += H.minute; h.reading(["run_count": 100]) }
        #expect(h.of(.maintenanceDue).count == 1)
        h.now += H.minute
        h.reading(["run_count": 100])
        let due = h.of(.maintenanceDue)
        #expect(due.count == 2)
        #expect(Set(due.map(\.key)).count == 2)
        #expect(due.last?.staleAfterRecord == 7)
        // The same record applied twice changes nothing.
        let before = h.state
        h.complete(record: 7)
        #expect(h.state == before)
    }

    @Test("silence beyond the limit lapses eligibility (one notice); it returns once the window passes without a gap (one notice)")
    func eligibilityLapsesAndReturns() {
        let h = H()
        h.reading()
        h.run(until: h.now + 2 * H.hour, readingEvery: nil)
        let lapsed = h.of(.regimeChanged)
        #expect(lapsed.count == 1)
        #expect(lapsed.first?.createdAt == H.origin + H.hour + H.minute)
        #expect(lapsed.first?.reason.en.contains("no data since") == true)
        #expect(lapsed.first?.reason.zh.contains("起无数据") == true)
        #expect(lapsed.first?.reason.code == .regimeFixed)
        #expect(h.state.regime == .fixed)
        // Data again: a monitoring gap is recorded, and the fixed regime stays for the 30-day window.
        h.reading()
        #expect(h.events.map(\.code) == [.monitoringGap])
        let back = h.now
        h.run(until: back + 30 * H.day - H.minute)
        #expect(h.of(.regimeChanged).count == 1)
        h.run(until: back + 31 * H.day)
        let changes = h.of(.regimeChanged)
        #expect(changes.count == 2)
        #expect(changes.last?.createdAt == back + 30 * H.day)
        #expect(h.state.regime == .onDemand)
        #expect(Set(changes.map(\.key)).count == 2)
    }

    @Test("a lapsed liability insurance policy ends on-demand eligibility (one notice naming the cover); a renewal restores it")
    func insuranceLapseAndRenewal() {
        // The policy's last day is the harness's first local day; the next local midnight ends the cover.
        let first = LocalDays.china.day(H.origin)
        let h = H(insured: ("2025-01-01", first.description))
        h.reading()
        #expect(h.state.regime == .onDemand)
        let midnight = LocalDays.china.end(first)
        h.run(until: midnight - H.minute, readingEvery: 10 * H.minute)
        #expect(h.of(.regimeChanged).isEmpty)
        h.run(until: midnight + 2 * H.minute, readingEvery: 10 * H.minute)
        let lapsed = h.of(.regimeChanged)
        #expect(lapsed.count == 1)
        #expect(h.state.regime == .fixed)
        #expect(lapsed.first?.reason.en.contains("no liability insurance policy in force (the last cover ran 2025-01-01 to \(first))") == true)
        #expect(lapsed.first?.reason.zh.contains("无有效的安全责任保险") == true)
        // Renewed: the registry reloads with the new policy and the device is eligible again at the next tick.
        let renewed = H.directory(types: H.types, record: h.record, firmGrade: "A", insured: (first.adding(days: 1).description, "2099-12-31"))
        h.planner.reload(directory: renewed, now: h.now)
        h.run(until: h.now + 2 * H.minute, readingEvery: 10 * H.minute)
        #expect(h.of(.regimeChanged).count == 2)
        #expect(h.state.regime == .onDemand)
    }

    @Test("no policy at all: never on demand")
    func uninsuredStartsFixed() {
        let h = H(insured: nil)
        h.reading()
        #expect(h.state.regime == .fixed)
        #expect(h.of(.regimeChanged).isEmpty)
    }

    @Test("the pipeline's own outage is no device's silence: no lapse of eligibility and no monitoring gap across it, counted again after the grace")
    func ownOutageIsNoSilence() {
        let h = H()
        h.reading()
        h.planner.hearing(from: .max)                  // the pipeline stops receiving (its broker is down)
        h.run(until: h.now + 2 * H.hour, readingEvery: nil)
        #expect(h.of(.regimeChanged).isEmpty)
        let back = h.now
        h.planner.hearing(from: back + 30_000)           // receiving again, 30 s grace
        h.reading()
        #expect(h.events.isEmpty, "\(h.events.map(\.code))")
        // A silence of its own after that is still the device's.
        h.run(until: back + 2 * H.hour, readingEvery: nil)
        #expect(h.of(.regimeChanged).count == 1)
    }

    @Test("counters: increments, a wrap at the declared range, a reset, and out-of-order readings")
    func counterSteps() {
        var c = CounterState(first: 100, ts: 1)
        #expect(c.observe(150, ts: 2, wrapAt: 1000) == .increment)
        #expect(c.observe(140, ts: 1, wrapAt: 1000) == .ignored)
        #expect(c.observe(980, ts: 3, wrapAt: 1000) == .increment)
        #expect(c.observe(30, ts: 4, wrapAt: 1000) == .wrap)
        #expect(c.used == 50 + 830 + 20 + 30)
        #expect(c.observe(10, ts: 5, wrapAt: 1000, tolerance: 1, resetBelow: 10) == .reset)
        #expect(c.used == 930 + 10)
        #expect(c.resets == 1)
    }

    @Test("counters going down: rounding is no change, a drop to near zero is a restart, any other drop re-bases without counting")
    func counterDecreases() {
        // Either side of the tolerance (1) and of reset_below (5).
        var c = CounterState(first: 19_597.02, ts: 1)
        #expect(c.observe(19_597, ts: 2, wrapAt: 100_000, tolerance: 1, resetBelow: 5) == .jitter)
        #expect(c.observe(19_596.02, ts: 3, wrapAt: 100_000, tolerance: 1, resetBelow: 5) == .jitter)  // exactly 1 below
        #expect(c.used == 0)
        #expect(c.observe(19_598.02, ts: 4, wrapAt: 100_000, tolerance: 1, resetBelow: 5) == .increment)
        #expect(abs(c.used - 1) < 1e-9)  // from the higher value kept, not from the jitter
        #expect(c.observe(19_597.01, ts: 5, wrapAt: 100_000, tolerance: 1, resetBelow: 5) == .rebased)  // 1.01 below
        #expect(abs(c.used - 1) < 1e-9)
        #expect(c.observe(19_600.01, ts: 6, wrapAt: 100_000, tolerance: 1, resetBelow: 5) == .increment)
        #expect(abs(c.used - 4) < 1e-9)
        #expect(c.observe(6, ts: 7, wrapAt: 100_000, tolerance: 1, resetBelow: 5) == .rebased)  // above reset_below
        #expect(c.observe(5, ts: 8, wrapAt: 100_000, tolerance: 0, resetBelow: 5) == .reset)     // at reset_below
        #expect(abs(c.used - 9) < 1e-9)
        #expect(c.resets == 1)
    }
}
