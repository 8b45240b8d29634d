import Domain
import Foundation
import GRDB
import Storage
import Testing

/// Statutory dates and statistics are counted in the days people live by (Beijing), not in UTC:
/// the hours from 00:00 to 08:00 Beijing time are the previous day in UTC.
@Suite("Local days: an instant's day, month and year in Beijing time")
struct LocalDaysTests {
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

        let utc = try Store(writer: try DatabaseQueue(path: f.path), description: f.path, localDays: .utc)
        let months = try utc.alarmCounts(by: .month, from: year.from, to: year.to, scope: .supervisor)
        #expect(Dictionary(uniqueKeysWithValues: months.map { ($0.key, $0.alarms) }) == ["2026-11": 2, "2026-12": 1])
    }

    @Test("a major hazard raised at 01:00 Beijing time is that day's, not the day before's")
    func hazardDayIsLocal() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        try f.store.write { db in
            try db.execute(sql: "INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?, 'elevator.door_lock_bridged', 1, ?)",
                           arguments: [e1, Self.at("2026-12-01T01:00:00+08:00")])
        }
        #expect(try f.store.registeredDevice("E1")?.record.openHazards == ["elevator.door_lock_bridged": Day(parsing: "2026-12-01")!])
        let utc = try Store(writer: try DatabaseQueue(path: f.path), description: f.path, localDays: .utc)
        #expect(try utc.registeredDevice("E1")?.record.openHazards == ["elevator.door_lock_bridged": Day(parsing: "2026-11-30")!])
    }
}
