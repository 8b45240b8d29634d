import Domain
import Foundation
import GRDB
import Records
import Storage
import Testing
import TestSupport

/// Statutory dates and statistics are counted in the days people live by (Beijing), not in UTC:
/// the hours from 00:00 to 08:00 Beijing time are the previous day in UTC.
@Suite("Statistics and local days: an instant's day, month and year in Beijing time; figures from hand-built histories")
struct StatisticsTests {
    static func at(_ text: String) -> Int64 { Timestamp.parseRFC3339(text)! }

    @Test("the local day, its first and last instant, and prose times with the offset")
    func localDays() {
        let bj = LocalDays.china
        #expect(bj.day(Self.at("2026-12-20T23:59:59+08:00")).description == "2026-12-20")
        #expect(bj.day(Self.at("2026-12-21T00:30:00+08:00")).description == "2026-12-21")
        #expect(LocalDays.utc.day(Self.at("2026-12-21T00:30:00+08:00")).description == "2026-12-20")
        let d = Day(parsing: "2026-12-20")!
        #expect(bj.start(d) == Self.at("2026-12-20T00:00:00+08:00"))
        #expect(bj.end(d) == Self.at("2026-12-21T00:00:00+08:00"))
        #expect(bj.format(Self.at("2026-11-26T07:45:32.058Z")) == "2026-11-26 15:45:32+08:00")
        #expect(LocalDays(offsetMs: -5 * 3_600_000 - 30 * 60_000).format(0) == "1969-12-31 18:30:00-05:30")
    }

    @Test("alarms are counted in local months: 00:30 on 1 December in Beijing is December, though still November in UTC")
    func monthsAreLocal() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        var batch = CommitBatch()
        for (id, time) in [(1, "2026-11-30T23:59:00+08:00"), (2, "2026-12-01T00:30:00+08:00"), (3, "2026-12-31T23:30:00+08:00"),
                           (4, "2027-01-01T07:00:00+08:00")] as [(Int64, String)] {
            let t = Self.at(time)
            let alarm = Alarm(id: id, deviceNum: e1, device: "E1", type: "elevator", site: "site-1", firm: "firm-a", rule: "elevator.trapped",
                              family: "elevator.trapped", pack: "p", severity: .critical, state: .firing, startedAt: t, firedAt: t,
                              resolvedAt: nil, repeats: 0, lastAt: t, message: "trapped", inputs: "{}", incidentId: id)
            batch.alarms.append(AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true), payload: "{}"))
        }
        try f.store.commit(batch)
        let year = (from: Self.at("2026-01-01T00:00:00+08:00"), to: Self.at("2027-01-01T00:00:00+08:00"))
        let local = try f.store.alarmCounts(by: .month, from: year.from, to: year.to, scope: .supervisor)
        #expect(local.map(\.key) == ["2026-12", "2026-11"])
        #expect(local.map(\.alarms) == [2, 1])
        #expect(local.map(\.incidents) == [2, 1])

        let utc = try f.reopen(localDays: .utc)
        let months = try utc.alarmCounts(by: .month, from: year.from, to: year.to, scope: .supervisor)
        #expect(Dictionary(uniqueKeysWithValues: months.map { ($0.key, $0.alarms) }) == ["2026-11": 2, "2026-12": 1])
    }

    @Test("a major hazard raised at 01:00 Beijing time is that day's, not the day before's")
    func hazardDayIsLocal() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        try f.store.sqlExecute("INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?, 'elevator.door_lock_bridged', 1, ?)",
                               [e1, Self.at("2026-12-01T01:00:00+08:00")])
        #expect(try f.store.registeredDevice("E1")?.record.openHazards == ["elevator.door_lock_bridged": Day(parsing: "2026-12-01")!])
        let utc = try f.reopen(localDays: .utc)
        #expect(try utc.registeredDevice("E1")?.record.openHazards == ["elevator.door_lock_bridged": Day(parsing: "2026-11-30")!])
    }

    @Test("statistics from a hand-built history: maintenance on time per firm, inspections on time, late and failed, within scope")
    func statisticsFromAHandBuiltHistory() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let (e1, e2) = (try f.num("E1"), try f.num("E2"))
        let t0 = Self.at("2026-11-01T09:00:00+08:00")
        let day: Int64 = 86_400_000
        // firm-a (E1): three notices closed on time by one record, a fourth closed two days late, a
        // fifth still open past its deadline; firm-b (E2): one closed on time. Deadlines in November.
        var batch = CommitBatch()
        for (key, num, device, firm, due) in [("a1", e1, "E1", "firm-a", t0 + 2 * day), ("a2", e1, "E1", "firm-a", t0 + 4 * day),
                                             ("a3", e1, "E1", "firm-a", t0 + 6 * day), ("b1", e2, "E2", "firm-b", t0 + 8 * day)] {
            batch.notices.append(NoticeDraft(key: key, deviceNum: num, device: device, type: "elevator", firm: firm, kind: .maintenanceDue,
                                             trigger: "calendar", reason: Prose(.maintenanceCalendar, en: "r", zh: "r"), dueBy: due, createdAt: t0, staleAfterRecord: nil, detail: "{}"))
        }
        try f.store.commit(batch)
        func done(_ device: String, _ firm: String, at: Int64) throws {
            _ = try f.store.insertMaintenance(Completion(device: device, firm: firm, items: [], doneAt: at, source: .cli, reportedAt: at),
                                              closing: [.maintenanceDue], check: { _ in }, answer: { _ in nil })
        }
        try done("E1", "firm-a", at: t0 + day)        // a1, a2, a3: before each deadline
        var later = CommitBatch()
        later.notices = [NoticeDraft(key: "a4", deviceNum: e1, device: "E1", type: "elevator", firm: "firm-a", kind: .maintenanceDue,
                                     trigger: "calendar", reason: Prose(.maintenanceCalendar, en: "r", zh: "r"), dueBy: t0 + 10 * day, createdAt: t0 + 2 * day, staleAfterRecord: nil, detail: "{}")]
        try f.store.commit(later)
        try done("E1", "firm-a", at: t0 + 12 * day)   // a4 closed two days late
        var last = CommitBatch()
        last.notices = [NoticeDraft(key: "a5", deviceNum: e1, device: "E1", type: "elevator", firm: "firm-a", kind: .maintenanceDue,
                                    trigger: "calendar", reason: Prose(.maintenanceCalendar, en: "r", zh: "r"), dueBy: t0 + 14 * day, createdAt: t0 + 12 * day, staleAfterRecord: nil, detail: "{}")]
        try f.store.commit(last)
        try done("E2", "firm-b", at: t0 + 7 * day)
        let november = (from: Self.at("2026-11-01T00:00:00+08:00"), to: Self.at("2026-12-01T00:00:00+08:00"))
        let now = t0 + 20 * day
        let rows = try f.store.maintenanceTimeliness(from: november.from, to: november.to, now: now, scope: .supervisor)
        #expect(rows.map(\.firm) == ["firm-a", "firm-b"])
        #expect(rows[0].notices == 5 && rows[0].onTime == 3 && rows[0].late == 1 && rows[0].openOverdue == 1)
        #expect(rows[1].notices == 1 && rows[1].onTime == 1 && rows[1].late == 0 && rows[1].openOverdue == 0)
        #expect(try f.store.maintenanceTimeliness(from: november.from, to: november.to, now: now, scope: .firm("firm-b")).map(\.firm) == ["firm-b"])

        // Inspections: E1 passed on time, E2 failed late; a registry seed is not counted.
        func record(_ num: Int64, _ device: String, _ result: InspectionResult, on date: String, dueBefore: String) throws {
            _ = try f.store.recordInspection(
                InspectionRecord(device: device, kind: "periodic", date: Day(parsing: date)!, result: result, grade: nil, inspector: "Wang",
                                 organisation: "TSEI", reportNumber: nil, source: .cli, recordedBy: "test"),
                deviceNum: num, dueBefore: Day(parsing: dueBefore)!, at: t0)
        }
        try record(e1, "E1", .pass, on: "2026-11-05", dueBefore: "2026-11-10")
        try record(e2, "E2", .fail, on: "2026-11-20", dueBefore: "2026-11-15")
        let i = try f.store.inspectionStats(from: Day(parsing: "2026-11-01")!, to: Day(parsing: "2026-11-30")!, scope: .supervisor)
        #expect(i.recorded == 2 && i.passed == 1 && i.failed == 1 && i.onTime == 1 && i.late == 1)
        let own = try f.store.inspectionStats(from: Day(parsing: "2026-11-01")!, to: Day(parsing: "2026-11-30")!, scope: .firm("firm-a"))
        #expect(own.recorded == 1 && own.failed == 0)
    }
}
