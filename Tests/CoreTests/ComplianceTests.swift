import DeviceCatalog
import Domain
import Inspection
import Testing

@Suite("inspection compliance: covered kinds, must-not-use, reminders, recording, rescue figures")
struct ComplianceTests {
    static let types = RuleEngineTests.types

    static func day(_ s: String) -> Day { Day(parsing: s)! }

    static func elevator(commissioned: String, last: [String: String], failed: [String: String] = [:]) -> DeviceRecord {
        DeviceRecord(id: "E", type: "elevator", gateway: "g", site: "s", owner: "o", firm: "f", commissioned: day(commissioned),
                     lastInspections: last.mapValues(day), inspectionGrade: nil, failedInspections: failed.mapValues(day),
                     attributes: [:], origin: Origin(file: "t", line: 1))
    }

    static func vessel(last: String, grade: Int?) -> DeviceRecord {
        DeviceRecord(id: "V", type: "pressure_vessel", gateway: "g", site: "s", owner: "o", firm: "f", commissioned: day("2015-06-01"),
                     lastInspections: ["periodic": day(last), "annual_check": day("2026-06-01"), "safety_valve": day("2026-06-01")],
                     inspectionGrade: grade, attributes: [:], origin: Origin(file: "t", line: 1))
    }

    func dues(_ d: DeviceRecord) -> [String: InspectionDue] {
        Dictionary(uniqueKeysWithValues: InspectionCalendar.dueDates(of: d, type: Self.types[d.type]!).map { ($0.kind, $0) })
    }

    @Test("after service year 15 a recorded self-test never turns into a false overdue: the yearly periodic covers it")
    func selfTestAfterYear15() {
        // Commissioned 2005: periodic inspections are yearly; the last self-test was in 2019.
        let d = Self.elevator(commissioned: "2005-01-10", last: ["periodic": "2026-03-01", "self_test": "2019-05-01"])
        let s = dues(d)["self_test"]!
        #expect(s.coveredBy == "periodic")
        #expect(s.due == Self.day("2027-03-01"))
        #expect(!s.isOverdue(on: Self.day("2026-11-26")))
        #expect(Compliance.mustNotUse(d, type: Self.types["elevator"]!, today: Self.day("2026-11-26")) == nil)
        // Before this fix the self-test was due 2020-05-01 and overdue for six years.
    }

    @Test("a periodic inspection in a year counts as that year's check; the self-test falls due a year after it")
    func periodicCountsAsSelfTest() {
        // Commissioned 2019-12-19: periodic in service years 1, 4, 7, 9 ...; the 2026 periodic (year 7) is recent.
        let d = Self.elevator(commissioned: "2019-12-19", last: ["periodic": "2026-09-24", "self_test": "2025-10-01"])
        let s = dues(d)["self_test"]!
        #expect(s.coveredBy == nil)
        #expect(s.due == Self.day("2027-09-24"))   // from the periodic, not 2026-10-01 from the self-test
        #expect(s.last == Self.day("2025-10-01"))
        // The year before the next periodic (2028-12-19 for year 9) the self-test is due on its own;
        // once the periodic is due first, it is covered.
        let late = Self.elevator(commissioned: "2019-12-19", last: ["periodic": "2026-09-24", "self_test": "2027-12-20"])
        #expect(dues(late)["self_test"]!.coveredBy == "periodic")
    }

    @Test("must not be used: a failure first, then safety grade 5, then the inspection overdue longest, since the day after it was due")
    func mustNotUseReasons() {
        let today = Self.day("2026-11-26")
        let vessel = Self.types["pressure_vessel"]!
        #expect(Compliance.mustNotUse(Self.vessel(last: "2025-04-24", grade: 2), type: vessel, today: today) == nil)
        #expect(Compliance.mustNotUse(Self.vessel(last: "2025-04-24", grade: 5), type: vessel, today: today) == .grade(kind: "periodic", grade: 5))
        // Grade 4: every 3 years; last periodic 2023-11-25 was due again on 2026-11-25.
        let overdue = Compliance.mustNotUse(Self.vessel(last: "2023-11-25", grade: 4), type: vessel, today: today)
        #expect(overdue == .overdue(kind: "periodic", due: Self.day("2026-11-25")))
        #expect(overdue?.since == today)
        #expect(overdue?.text == "periodic inspection overdue since 2026-11-26")
        // Due today is not yet overdue.
        #expect(Compliance.mustNotUse(Self.vessel(last: "2023-11-26", grade: 4), type: vessel, today: today) == nil)
        let failed = Self.elevator(commissioned: "2019-12-19", last: ["periodic": "2026-09-24"], failed: ["periodic": "2026-11-20"])
        #expect(Compliance.mustNotUse(failed, type: Self.types["elevator"]!, today: today) == .failed(kind: "periodic", on: Self.day("2026-11-20")))
        #expect(Compliance.mustNotUse(failed, type: Self.types["elevator"]!, today: today)?.key == "failed:periodic:2026-11-20")
    }

    @Test("reminders: due from today to today + lead, not overdue, not covered")
    func reminders() {
        let d = Self.vessel(last: "2023-12-20", grade: 4)   // periodic due 2026-12-20
        let dues = InspectionCalendar.dueDates(of: d, type: Self.types["pressure_vessel"]!)
        let r = Compliance.reminders(dues: dues, today: Self.day("2026-11-26"), leadDays: 30)
        #expect(r.map(\.kind) == ["periodic"])
        #expect(r.first?.key(device: "V") == "inspection_due:V:periodic:2026-12-20")
        #expect(Compliance.reminders(dues: dues, today: Self.day("2026-11-19"), leadDays: 30).isEmpty)   // 31 days ahead
        #expect(Compliance.reminders(dues: dues, today: Self.day("2026-12-21"), leadDays: 30).map(\.kind) != ["periodic"])
        let covered = Self.elevator(commissioned: "2005-01-10", last: ["periodic": "2026-03-01", "self_test": "2019-05-01"])
        let c = InspectionCalendar.dueDates(of: covered, type: Self.types["elevator"]!)
        #expect(Compliance.reminders(dues: c, today: Self.day("2027-02-15"), leadDays: 30).map(\.kind) == ["periodic"])
    }

    @Test("recording checks kind, date and grade against the type")
    func recordingChecks() {
        let vessel = Self.types["pressure_vessel"]!
        let d = Self.vessel(last: "2023-12-20", grade: 4)
        func check(_ kind: String, _ date: String, _ result: InspectionResult, grade: Int? = nil) -> String? {
            let r = InspectionRecord(device: "V", kind: kind, date: Self.day(date), result: result, grade: grade, inspector: nil,
                                     organisation: nil, reportNumber: nil, source: .cli, recordedBy: "t")
            do { try InspectionRecording.check(r, device: d, type: vessel, today: Self.day("2026-11-26")); return nil }
            catch { return error.field }
        }
        #expect(check("periodic", "2026-11-20", .pass, grade: 2) == nil)
        #expect(check("periodic", "2026-11-20", .fail) == nil)
        #expect(check("periodic", "2026-11-20", .pass) == "grade")        // a pass of a graded kind needs its grade
        #expect(check("periodic", "2026-11-20", .pass, grade: 6) == "grade")
        #expect(check("annual_check", "2026-11-20", .pass, grade: 2) == "grade")
        #expect(check("hydrostatic", "2026-11-20", .pass) == "kind")
        #expect(check("annual_check", "2026-11-27", .pass) == "date")
        #expect(check("annual_check", "2015-05-31", .pass) == "date")
    }

    @Test("the rescue deadline: the type's, else the city's, else the site's own")
    func rescueDeadlines() {
        let policy = Self.types["elevator"]!.rescue!
        #expect(policy.withinMs(at: nil) == 30 * 60_000)
        let tianjin = Site(id: "s", name: "s", category: "school", city: "Tianjin", peopleExposed: 10)
        let county = Site(id: "s", name: "s", category: "school", city: "Jizhou", peopleExposed: 10)
        let own = Site(id: "s", name: "s", category: "school", city: "Jizhou", peopleExposed: 10, rescueWithin: "45m")
        #expect(policy.withinMs(at: tianjin) == 30 * 60_000)
        #expect(policy.withinMs(at: county) == 60 * 60_000)
        #expect(policy.withinMs(at: own) == 45 * 60_000)
    }
}
