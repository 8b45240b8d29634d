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

    /// An elevator whose Nth service year ends on 2026-12-20 (today 2026-12-06 lies in it).
    static func elevator(inYear n: Int, last: [String: String]) -> DeviceRecord {
        elevator(commissioned: "\(2026 - n)-12-20", last: last)
    }

    @Test("service year 11 (a periodic-inspection year): no self-test owed, not must-not-use for one (TSG T7001/T7008-2023)")
    func selfTestNotOwedInPeriodicYear() {
        let today = Self.day("2026-12-06")
        // Periodic in year 9, self-test in year 10 a month before its anniversary.
        let d = Self.elevator(inYear: 11, last: ["periodic": "2024-11-10", "self_test": "2025-11-15"])
        let s = dues(d)["self_test"]!
        #expect(s.due == Self.day("2027-12-20"))   // year 12's, not 12 months after the last check (2026-11-15)
        #expect(s.coveredBy == nil && !s.isOverdue(on: today))
        #expect(dues(d)["periodic"]!.due == Self.day("2026-12-20"))
        #expect(Compliance.mustNotUse(d, type: Self.types["elevator"]!, today: today) == nil)
        // The periodic inspection of year 11 done: the next self-test is still year 12's.
        let inspected = Self.elevator(inYear: 11, last: ["periodic": "2026-12-01", "self_test": "2025-11-15"])
        #expect(dues(inspected)["self_test"]!.due == Self.day("2027-12-20"))
        #expect(dues(inspected)["periodic"]!.due == Self.day("2028-12-20"))   // year 13
    }

    @Test("service year 12: the self-test is owed by the year's anniversary and overdue the day after")
    func selfTestOwedInOtherYear() {
        let elevator = Self.types["elevator"]!
        let d = Self.elevator(inYear: 12, last: ["periodic": "2025-12-01"])   // year 11's periodic
        let s = dues(d)["self_test"]!
        #expect(s.due == Self.day("2026-12-20"))
        #expect(s.basis.contains("service year 12"))
        #expect(Compliance.mustNotUse(d, type: elevator, today: Self.day("2026-12-20")) == nil)
        #expect(Compliance.mustNotUse(d, type: elevator, today: Self.day("2026-12-21")) == .overdue(kind: "self_test", due: Self.day("2026-12-20")))
        #expect(Compliance.reminders(dues: InspectionCalendar.dueDates(of: d, type: elevator), today: Self.day("2026-12-06"),
                                     leadDays: 30).map(\.kind) == ["self_test"])
        // Done: the next one is year 14's (13 is a periodic year).
        let done = Self.elevator(inYear: 12, last: ["periodic": "2025-12-01", "self_test": "2026-12-02"])
        #expect(dues(done)["self_test"]!.due == Self.day("2028-12-20"))
        // A new elevator owes its first self-test in year 2, not 12 months after its first inspection.
        let young = Self.elevator(commissioned: "2025-01-08", last: ["periodic": "2025-12-01"])
        #expect(dues(young)["self_test"]!.due == Self.day("2027-01-08"))
        #expect(Compliance.mustNotUse(young, type: elevator, today: Self.day("2026-12-06")) == nil)
    }

    @Test("service year 17: a periodic inspection every year and no self-test at all")
    func noSelfTestAfterYear15() {
        let elevator = Self.types["elevator"]!
        let d = Self.elevator(inYear: 17, last: ["periodic": "2025-12-10", "self_test": "2019-05-01"])
        let s = dues(d)["self_test"]!
        #expect(s.coveredBy == "periodic" && !s.isOverdue(on: Self.day("2027-06-01")))
        // Due on year 17's anniversary, not 12 months after the last inspection (done 10 days early).
        #expect(dues(d)["periodic"]!.due == Self.day("2026-12-20"))
        #expect(Compliance.mustNotUse(d, type: elevator, today: Self.day("2026-12-20")) == nil)
        #expect(Compliance.mustNotUse(d, type: elevator, today: Self.day("2026-12-21")) == .overdue(kind: "periodic", due: Self.day("2026-12-20")))
        #expect(Compliance.reminders(dues: InspectionCalendar.dueDates(of: d, type: elevator), today: Self.day("2026-12-06"),
                                     leadDays: 30).map(\.kind) == ["periodic"])
    }

    @Test("service years: an anniversary ends its year; scheduled years follow in_service_years, then every N")
    func serviceYears() {
        let c = Self.day("2015-12-20")
        #expect(InspectionCalendar.serviceYear(of: Self.day("2016-12-20"), commissioned: c) == 1)
        #expect(InspectionCalendar.serviceYear(of: Self.day("2016-12-21"), commissioned: c) == 2)
        #expect(InspectionCalendar.serviceYear(of: c, commissioned: c) == 1)
        #expect(InspectionCalendar.serviceYear(of: Self.day("2026-12-21"), commissioned: c) == 12)
        // A 29 February commissioning: its anniversary is 28 February in common years.
        let leap = Self.day("2016-02-29")
        #expect(InspectionCalendar.serviceYear(of: Self.day("2017-02-28"), commissioned: leap) == 1)
        #expect(InspectionCalendar.serviceYear(of: Self.day("2017-03-01"), commissioned: leap) == 2)
        #expect(InspectionCalendar.serviceYear(of: Self.day("2020-02-29"), commissioned: leap) == 4)
        let periodic = Self.types["elevator"]!.inspections.first { $0.kind == "periodic" }!
        #expect((1...18).filter { InspectionCalendar.isScheduled($0, periodic) } == [1, 4, 7, 9, 11, 13, 15, 16, 17, 18])
        // At most 2 months early counts for the year; earlier in the year it is late for the year before.
        #expect(InspectionCalendar.countedYear(of: Self.day("2023-10-20"), commissioned: c, earlyMonths: 2) == 8)
        #expect(InspectionCalendar.countedYear(of: Self.day("2023-10-19"), commissioned: c, earlyMonths: 2) == 7)
        #expect(InspectionCalendar.countedYear(of: Self.day("2023-12-20"), commissioned: c, earlyMonths: 2) == 8)
        #expect(InspectionCalendar.countedYear(of: Self.day("2023-12-21"), commissioned: c, earlyMonths: 2) == 8)
        #expect(Self.day("2026-12-31").adding(months: 2) == Self.day("2027-02-28") && Self.day("2026-03-31").adding(months: -1) == Self.day("2026-02-28"))
    }

    @Test("safety grade 4: monitored use at most 3 years in all, from the first grade 4; re-grading does not restart it (TSG 21-2016)")
    func gradeFourLimited() {
        let vessel = Self.types["pressure_vessel"]!
        let today = Self.day("2026-11-26")
        func record(last: String, grade: Int, since: String?) -> DeviceRecord {
            DeviceRecord(id: "V", type: "pressure_vessel", gateway: "g", site: "s", owner: "o", firm: "f", commissioned: Self.day("2015-06-01"),
                         lastInspections: ["periodic": Self.day(last), "annual_check": Self.day("2026-06-01"), "safety_valve": Self.day("2026-06-01")],
                         inspectionGrade: grade, gradeSince: since.map(Self.day), attributes: [:], origin: Origin(file: "t", line: 1))
        }
        // First graded 4 on 2023-06-01, re-graded 4 on 2025-06-01: due by 2026-06-01, not 2028-06-01.
        let regraded = record(last: "2025-06-01", grade: 4, since: "2023-06-01")
        let due = dues(regraded)["periodic"]!
        #expect(due.due == Self.day("2026-06-01"))
        #expect(due.basis.contains("at most 3 years in all since 2023-06-01"))
        #expect(Compliance.mustNotUse(regraded, type: vessel, today: today) == .overdue(kind: "periodic", due: Self.day("2026-06-01")))
        // Graded 4 again after the 3 years: must not be used until graded 3 or better.
        let again = record(last: "2026-07-01", grade: 4, since: "2023-06-01")
        #expect(Compliance.mustNotUse(again, type: vessel, today: today) == .grade(kind: "periodic", grade: 4))
        // The other side: a first grade 4 within the 3 years, and grade 3.
        let first = record(last: "2025-06-01", grade: 4, since: "2025-06-01")
        #expect(dues(first)["periodic"]!.due == Self.day("2028-06-01"))
        #expect(Compliance.mustNotUse(first, type: vessel, today: today) == nil)
        let three = record(last: "2025-06-01", grade: 3, since: "2025-06-01")
        #expect(dues(three)["periodic"]!.due == Self.day("2028-06-01"))
        // Without records (a registry grade), the 3 years count from the last periodic inspection.
        #expect(dues(record(last: "2024-01-06", grade: 4, since: nil))["periodic"]!.due == Self.day("2027-01-06"))
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
        let c = InspectionCalendar.dueDates(of: covered, type: Self.types["elevator"]!)   // year 22: no self-test owed
        #expect(Compliance.reminders(dues: c, today: Self.day("2026-12-15"), leadDays: 30).map(\.kind) == ["periodic"])   // due 2027-01-10
    }

    @Test("recording checks kind, date and grade against the type")
    func recordingChecks() {
        let vessel = Self.types["pressure_vessel"]!
        let d = Self.vessel(last: "2023-12-20", grade: 4)
        func check(_ kind: String, _ date: String, _ result: InspectionResult, grade: Int? = nil,
                   inspector: String? = "Wang Lei", organisation: String? = "TSEI") -> String? {
            let r = InspectionRecord(device: "V", kind: kind, date: Self.day(date), result: result, grade: grade, inspector: inspector,
                                     organisation: organisation, reportNumber: nil, source: .cli, recordedBy: "t")
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
        // Every record names who inspected and for which organisation.
        #expect(check("periodic", "2026-11-20", .fail, inspector: nil) == "inspector")
        #expect(check("periodic", "2026-11-20", .fail, inspector: " ") == "inspector")
        #expect(check("periodic", "2026-11-20", .fail, organisation: nil) == "organisation")
    }

    @Test("the rescue deadline by the district's level (TSG T5002-2017): 30 min in a district, 1 h in a county or county-level city; a site's own wins")
    func rescueDeadlines() {
        let policy = Self.types["elevator"]!.rescue!
        #expect(policy.withinMs(at: nil) == 30 * 60_000)
        func site(_ district: String?, _ level: DistrictLevel?, own: String? = nil) -> Site {
            Site(id: "s", name: "s", category: "school", city: "Tianjin", peopleExposed: 10, rescueWithin: own, district: district, districtLevel: level)
        }
        // Jizhou is a district of Tianjin (a municipality) since 2016: 30 minutes, not 1 hour.
        #expect(policy.withinMs(at: site("120119", .district)) == 30 * 60_000)
        #expect(policy.withinMs(at: site("130281", .countyLevelCity)) == 60 * 60_000)   // Zunhua, Hebei
        #expect(policy.withinMs(at: site("130225", .county)) == 60 * 60_000)
        #expect(policy.withinMs(at: site(nil, nil)) == 30 * 60_000)
        #expect(policy.withinMs(at: site("130225", .county, own: "45m")) == 45 * 60_000)
        // The shipped type names no city: the deadline follows the district, not a list of towns.
        #expect(policy.cityMs.isEmpty)
    }
}
