import Domain
import Foundation
import Inspection
import Source
import SourceFiles
import Testing

/// The inspection planner on hand-computed cases: capacity, ordering, grouping, forwarding by
/// risk, holidays and 调休 working weekends, unassigned reasons, determinism, and the formats.
@Suite struct InspectionPlannerTests {
    static func day(_ s: String) -> Day { Day(parsing: s)! }
    static let calendar2026 = try! WorkCalendar.load(directory: repositoryRoot + "/Devices/calendar")

    static func item(_ device: String, due: String, grade: Grade?, site: String, kind: String = "periodic") -> PlanItem {
        PlanItem(device: device, type: "elevator", kind: kind, due: day(due), grade: grade, site: site)
    }

    static func plan(_ items: [PlanItem], from: String, to: String, inspectors: Int = 1, perDay: Int = 1,
                     policy: PlanPolicy = PlanPolicy()) -> InspectionPlan {
        InspectionPlanner.plan(PlanRequest(items: items, siteNames: ["s1": "Site One, East Gate"], from: day(from), to: day(to),
                                           inspectors: inspectors, inspectionsPerDay: perDay, calendar: calendar2026, policy: policy))
    }

    static func layout(_ p: InspectionPlan) -> [String] {
        p.visits.map { v in "\(v.date) i\(v.inspector) \(v.site): " + v.items.map { $0.device + ($0.overdue ? "!" : "") }.joined(separator: " ") }
    }

    @Test("overdue first, then risk, then due date; one visit a day; what does not fit is late, then unassigned")
    func orderingAndCapacity() {
        // 2026-12-01 (Tue) to 12-04 (Fri): 4 working days, 1 inspector × 1 visit = 4 visits.
        let p = Self.plan([
            Self.item("E", due: "2026-12-04", grade: .blue, site: "s5"),
            Self.item("C", due: "2026-12-02", grade: .blue, site: "s3"),
            Self.item("D", due: "2026-12-04", grade: .yellow, site: "s4"),
            Self.item("B", due: "2026-12-03", grade: .red, site: "s2"),
            Self.item("A", due: "2026-11-01", grade: .blue, site: "s1"),
        ], from: "2026-12-01", to: "2026-12-04")
        #expect(Self.layout(p) == [
            "2026-12-01 i1 s1: A!",  // overdue at the start: first, and flagged
            "2026-12-02 i1 s2: B",   // red
            "2026-12-03 i1 s4: D",   // yellow
            "2026-12-04 i1 s3: C!",  // blue, due 12-02: its window was full, placed on the first free day after it
        ])
        #expect(p.unassigned.map(\.device) == ["E"])
        #expect(p.unassigned[0].reason == "no capacity left from 2026-12-01 to 2026-12-04: all 4 inspections of 4 working days are booked")
        let s = p.summary
        #expect((s.workingDays, s.capacity, s.visits, s.inspections, s.scheduled) == (4, 4, 4, 5, 4))
        #expect((s.onTime, s.late, s.overdueAtStart, s.unassigned, s.forwarded) == (2, 2, 1, 1, 0))
    }

    @Test("inspections at one site share a visit within their windows, each counting against the inspector's day; those due after the period are left out")
    func grouping() {
        let items = [
            Self.item("X", due: "2026-12-10", grade: .blue, site: "s1"),
            Self.item("Y", due: "2026-12-20", grade: .blue, site: "s1", kind: "external"),
            Self.item("Z", due: "2027-03-01", grade: .red, site: "s1"),
            Self.item("W", due: "2026-12-05", grade: .blue, site: "s2"),
        ]
        let p = Self.plan(items, from: "2026-12-01", to: "2026-12-31", perDay: 3)
        #expect(Self.layout(p) == ["2026-12-01 i1 s2: W", "2026-12-01 i1 s1: X Y"])
        #expect(p.visits[1].siteName == "Site One, East Gate")
        #expect(p.summary.inspections == 3)   // Z, due in 2027, even red: a later plan's
        #expect(p.unassigned.isEmpty)
        // Two inspections a day: the third does not join the visit, it waits for the next day.
        let two = Self.plan(items, from: "2026-12-01", to: "2026-12-31", perDay: 2)
        #expect(Self.layout(two) == ["2026-12-01 i1 s2: W", "2026-12-01 i1 s1: X", "2026-12-02 i1 s1: Y"])
    }

    @Test("a busy site's day shared by two inspectors: each inspector's visit has its own UID, and neither goes over the day's capacity")
    func sharedSiteDay() {
        let items = (1...6).map { Self.item("D\($0)", due: "2026-12-01", grade: nil, site: "s1") }
        let p = Self.plan(items, from: "2026-12-01", to: "2026-12-01", inspectors: 2, perDay: 3)
        #expect(Self.layout(p) == ["2026-12-01 i1 s1: D1 D2 D3", "2026-12-01 i2 s1: D4 D5 D6"])
        #expect(Set(p.visits.map(\.uid)).count == 2)
    }

    @Test("the owners' own inspections (self-tests) are listed for them, not booked on an inspector")
    func ownerDuties() {
        let p = Self.plan([
            Self.item("X", due: "2026-12-10", grade: .red, site: "s1"),
            PlanItem(device: "X", type: "elevator", kind: "self_test", due: Self.day("2026-12-20"), grade: .red, site: "s1", byOwner: true, owner: "o1"),
            PlanItem(device: "V", type: "elevator", kind: "self_test", due: Self.day("2026-11-20"), grade: nil, site: "s2", byOwner: true, owner: "o2"),
            PlanItem(device: "U", type: "elevator", kind: "self_test", due: Self.day("2027-05-20"), grade: nil, site: "s2", byOwner: true, owner: "o2"),
        ], from: "2026-12-01", to: "2026-12-31", perDay: 4)
        #expect(Self.layout(p) == ["2026-12-01 i1 s1: X"])
        #expect(p.ownerDuties.map { "\($0.device) \($0.owner) \($0.due) \($0.overdue)" } == ["V o2 2026-11-20 true", "X o1 2026-12-20 false"])
        #expect(p.summary.ownerDuties == 2 && p.summary.inspections == 1)
        #expect(p.json().contains("\"owner_duties\": [") && p.csv().contains("the owner's own inspection (o1)"))
    }

    @Test("a visit is not planned more than plan_ahead_days before the due date")
    func planAhead() {
        // Due 2026-12-31, 30 days ahead: not before 2026-12-01 (a Tuesday), though capacity is free from 11-23.
        let p = Self.plan([Self.item("X", due: "2026-12-31", grade: .blue, site: "s1")], from: "2026-11-23", to: "2026-12-31")
        #expect(Self.layout(p) == ["2026-12-01 i1 s1: X"])
    }

    @Test("public holidays are skipped and a 调休 Saturday is worked (National Day 2026)")
    func holidaysAndWorkingWeekends() {
        // 09-30 Wed works; 10-01..07 holiday; 10-08 Thu, 10-09 Fri, 10-10 Sat (调休) work; 10-11 Sun off; 10-12 Mon.
        let items = (1...6).map { Self.item("D\($0)", due: "2026-10-12", grade: .blue, site: "s\($0)") }
        let p = Self.plan(items, from: "2026-09-30", to: "2026-10-12")
        #expect(p.visits.map(\.date.description) == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"])
        #expect(p.summary.workingDays == 5)
        #expect(p.unassigned.map(\.device) == ["D6"])
        #expect(p.summary.caveats.isEmpty)
        // 2027's file is provisional, and 2028 has none: the plan says so.
        let later = Self.plan(items, from: "2027-12-20", to: "2028-01-10")
        #expect(later.summary.caveats == ["the 2027 calendar is provisional (statutory holidays only, no 调休 yet)",
                                          "no holiday calendar for 2028: weekdays only"])
    }

    @Test("red and orange devices are brought forward; yellow and blue keep their due dates")
    func forwardingByRisk() {
        let p = Self.plan([
            Self.item("R", due: "2027-02-15", grade: .red, site: "s1"),
            Self.item("O", due: "2027-02-15", grade: .orange, site: "s2"),
            Self.item("Y", due: "2027-02-15", grade: .yellow, site: "s3"),
            Self.item("R2", due: "2027-06-01", grade: .red, site: "s4"),   // due after the period: not brought in
        ], from: "2026-12-01", to: "2027-02-26")
        #expect(Self.layout(p) == ["2026-12-01 i1 s1: R", "2026-12-02 i1 s2: O", "2027-01-18 i1 s3: Y"])
        #expect(p.visits.map { $0.items.allSatisfy(\.forwarded) } == [true, true, false])
        #expect(p.summary.forwarded == 2 && p.summary.inspections == 3)
        // With forwarding off, the red one keeps its window too.
        var off = PlanPolicy()
        off.forwardWithinDays = [:]
        #expect(Self.layout(Self.plan([Self.item("R", due: "2027-02-15", grade: .red, site: "s1")], from: "2026-12-01", to: "2027-02-26",
                                      policy: off)) == ["2027-01-18 i1 s1: R"])
    }

    @Test("several inspectors share a day: visits fill inspector 1's slots, then inspector 2's")
    func inspectorsAndSlots() {
        let items = (1...5).map { Self.item("D\($0)", due: "2026-12-01", grade: nil, site: "s\($0)") }
        let p = Self.plan(items, from: "2026-12-01", to: "2026-12-01", inspectors: 2, perDay: 2)
        #expect(p.visits.map(\.inspector) == [1, 1, 2, 2])
        #expect(p.unassigned.count == 1)
    }

    @Test("unassigned reasons: no working day, no capacity at all")
    func unassignedReasons() {
        let item = Self.item("X", due: "2026-10-05", grade: nil, site: "s1")
        #expect(Self.plan([item], from: "2026-10-01", to: "2026-10-07").unassigned.map(\.reason)
                == ["no working day between 2026-10-01 and 2026-10-07"])
        #expect(Self.plan([item], from: "2026-09-28", to: "2026-10-07", inspectors: 0).unassigned.map(\.reason)
                == ["no capacity: 0 inspector(s) × 1 inspection(s) a day"])
    }

    @Test("the same inputs in any order give the same plan, with the same visit UIDs")
    func deterministic() {
        // Spread by coprime strides: due dates over 60 days from 20 before the start, five grades, 40 sites.
        let items = (0..<300).map { i in
            Self.item(String(format: "D%03d", i), due: Self.day("2026-12-01").adding(days: i * 37 % 60 - 20).description,
                      grade: [Grade.red, .orange, .yellow, .blue, nil][i * 3 % 5], site: "s\(i * 7 % 40)")
        }
        let a = Self.plan(items, from: "2026-12-01", to: "2027-01-15", inspectors: 2, perDay: 3)
        let b = Self.plan(items.reversed(), from: "2026-12-01", to: "2027-01-15", inspectors: 2, perDay: 3)
        #expect(a == b)
        #expect(a.visits.map(\.uid) == b.visits.map(\.uid))
        #expect(Set(a.visits.map(\.uid)).count == a.visits.count)
        // Every inspection appears exactly once, planned or unassigned.
        #expect(a.visits.flatMap(\.items).count + a.unassigned.count == a.summary.inspections)
        // Nothing on time is planned after its due date, nothing before its window.
        for v in a.visits { for e in v.items where !e.overdue { #expect(v.date <= e.due) } }
        // No inspector has more inspections in a day than the capacity; nothing due after the period.
        var perInspectorDay: [String: Int] = [:]
        for v in a.visits { perInspectorDay["\(v.date) \(v.inspector)", default: 0] += v.items.count }
        #expect(perInspectorDay.values.allSatisfy { $0 <= 3 } && perInspectorDay.values.contains(3))
        #expect(a.visits.allSatisfy { $0.items.allSatisfy { $0.due <= Self.day("2027-01-15") } })
    }

    @Test("iCalendar: CRLF, lines folded at 75 octets, text escaped, one VEVENT per visit with a stable UID")
    func icalendar() {
        let long = (1...12).map { Self.item("31101201042007000\(String(format: "%02d", $0))", due: "2026-12-10", grade: .orange, site: "s1") }
        let p = Self.plan(long, from: "2026-12-01", to: "2026-12-31")
        let ics = p.ics(stamp: 1_795_000_000_000)
        #expect(ics.hasSuffix("END:VCALENDAR\r\n"))
        let lines = ics.components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(!ics.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == p.visits.count)
        #expect(lines.contains("LOCATION:Site One\\, East Gate"))
        #expect(lines.contains("DTSTAMP:20261118T110640Z"))
        #expect(lines.contains("DTSTART;VALUE=DATE:20261201") && lines.contains("DTEND;VALUE=DATE:20261202"))
        // Unfolded, the description lists every device with its kind and due date.
        let unfolded = ics.replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("3110120104200700012 (elevator) periodic\\, due 2026-12-10"))
        #expect(p.ics(stamp: 1).contains("UID:" + p.visits[0].uid))
    }

    @Test("a calendar file with mistakes is refused with file, line and reason")
    func calendarErrors() {
        let text = """
            year: 2026
            holidays:
              - {from: 2026-10-07, to: 2026-10-01, name: backwards}
              - {from: 2027-01-01, to: 2027-01-01, name: wrong year}
            workdays:
              - {date: 2026-10-08, name: a Thursday}
            """
        do {
            _ = try WorkCalendar.parse(text: text, file: "cn.yaml")
            Issue.record("expected errors")
        } catch {
            let messages = error.errors.map(\.description)
            #expect(messages.count == 4)
            #expect(messages.contains { $0.hasPrefix("cn.yaml:3") && $0.contains("ends (2026-10-01) before it starts") })
            #expect(messages.contains { $0.hasPrefix("cn.yaml:4") && $0.contains("2027-01-01 is not in 2026") })
            #expect(messages.contains { $0.hasPrefix("cn.yaml:6") && $0.contains("2026-10-08 is a weekday") })
        }
    }
}
