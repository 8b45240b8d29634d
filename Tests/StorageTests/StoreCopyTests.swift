import Domain
import Foundation
import Records
import Services
import Testing
import TestSupport

/// `equipwatch store copy`: a store moved from SQLite to PostgreSQL and back answers the same
/// queries with the same rows, verified by counts and checksums; a copy resumes; a non-empty
/// target is refused.
@Suite("Moving a store between engines (real SQLite, real PostgreSQL)", .needsPostgres)
struct StoreCopyTests {
    static let t0: Int64 = 1_795_000_000_000

    /// A SQLite store with something in most tables: the fleet, grouped and single readings, an
    /// event, a binary dead letter, an alarm with its incident, a notice, a token.
    static func filledSQLite() throws -> TestStore {
        let t = try TestStore(engine: .sqlite)
        let store = t.store
        var fleet = Fleet()
        fleet.firms = [Firm(id: "firm-a", name: "Firm A", grade: "A", nameZh: "甲公司")]
        fleet.owners = [Owner(id: "owner-1", name: "School", nameZh: "学校")]
        fleet.sites = [Site(id: "site-1", name: "School", category: "school", city: "Tianjin", peopleExposed: 800)]
        fleet.gateways = [Gateway(id: "gw-1", site: "site-1")]
        fleet.devices = [1, 2, 3].map { (i: Int) -> DeviceRecord in
            DeviceRecord(id: "E" + String(i), type: "elevator", gateway: "gw-1", site: "site-1", owner: "owner-1", firm: "firm-a",
                         commissioned: Day(parsing: "2015-05-01")!, lastInspections: ["periodic": Day(parsing: "2026-01-10")!], inspectionGrade: nil,
                         attributes: ["rated_speed_mps": .number(1.75)], origin: Origin(file: "test", line: i))
        }
        try store.importFleet(fleet, now: t0, sourceHash: "abc")
        let e1 = try store.num("E1")
        var batch = CommitBatch()
        for k in 0..<40 {
            batch.messages.append(AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .telemetry, ts: t0 + Int64(k) * 1000, seq: UInt64(k),
                                                  receivedAt: t0 + 50_000, values: [], code: nil, data: JSONBytes(#"{"speed_mps":\#(k)}"#)))
        }
        batch.messages.append(AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .event, ts: t0 + 5, seq: nil, receivedAt: t0 + 5,
                                              values: [], code: "trapped", data: "{}"))
        batch.deadLetters = [DeadLetter(receivedAt: t0, reason: .malformedJSON, detail: "not JSON", topic: "t", gateway: "gw-1", device: nil,
                                        payload: [0xFF, 0x00, 0x7B], payloadSize: 3)]
        let alarm = Alarm(id: 1, deviceNum: e1, device: "E1", type: "elevator", site: "site-1", firm: "firm-a", rule: "elevator.trapped",
                          family: "elevator.trapped", pack: "p", severity: .critical, state: .firing, startedAt: t0, firedAt: t0,
                          resolvedAt: nil, repeats: 0, lastAt: t0, message: "trapped", messageZh: "困人", inputs: "{}", incidentId: 1)
        batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true), payload: #"{"t":"raised"}"#)]
        batch.notices = [NoticeDraft(key: "k1", deviceNum: e1, device: "E1", type: "elevator", firm: "firm-a", kind: .maintenanceDue,
                                     trigger: "calendar", reason: Prose(.maintenanceCalendar, en: "due", zh: "到期"), dueBy: t0,
                                     createdAt: t0, staleAfterRecord: nil, detail: "{}")]
        batch.noticeMessage = { id, _ in OutboxMessage(topic: "n", payload: "{\"id\":\(id)}") }
        try store.commit(batch)
        _ = try store.createToken(name: "t", role: .supervisor, hash: "h1", expiresAt: nil, now: t0)
        return t
    }

    /// What a supervisor reads, as text, from either engine.
    static func answers(_ store: any Store) throws -> [String] {
        [
            "\(try store.readings(device: "E1", from: nil, to: nil, limit: 100, scope: .supervisor, after: nil).map { "\($0.id)@\($0.ts.millis)=\($0.data.text)" })",
            "\(try store.alarms(AlarmFilter()).map { "\($0.id) \($0.state) \($0.message)" })",
            "\(try store.incidents(AlarmFilter()).map { "\($0.id) \($0.status)" })",
            "\(try store.notices(NoticeFilter()).map { "\($0.id) \($0.kind) \($0.reason)" })",
            "\(try store.deadLetters(reason: nil, from: nil, to: nil, limit: 10, gateway: nil, device: nil, after: nil).map(\.payload.text))",
            "\(try store.devices(DeviceFilter(), limit: 10).map { "\($0.id) \($0.messages)" })",
            "\(try store.tokens().map(\.name))",
            "\(try store.count(.readings)) \(try store.count(.events))",
        ]
    }

    @Test("SQLite to PostgreSQL and back: same answers, same checksums; ids go on after the copied ones")
    func roundTrip() throws {
        let sqlite = try Self.filledSQLite()
        defer { sqlite.close() }
        let postgres = try TestStore(engine: .postgres)
        defer { postgres.close() }
        let source = try #require(sqlite.store as? any TableCopying), target = try #require(postgres.store as? any TableCopying)
        let reports = try StoreCopy.run(from: source, to: target, resume: false, batch: 7)
        #expect(reports.filter { !$0.matches }.map(\.table) == [])
        #expect(reports.first { $0.table == "readings" }?.targetRows == 1)  // one grouped row of 40 readings
        #expect(reports.first { $0.table == "devices" }?.copied == 3)
        #expect(try Self.answers(postgres.store) == Self.answers(sqlite.store))
        // New rows get new ids: the counters moved past the copied ones.
        #expect(try postgres.store.createToken(name: "new", role: .supervisor, hash: "h2", expiresAt: nil, now: Self.t0) == 2)

        let back = try TestStore(engine: .sqlite)
        defer { back.close() }
        let again = try StoreCopy.run(from: target, to: try #require(back.store as? any TableCopying), resume: false)
        #expect(again.filter { !$0.matches }.map(\.table) == [])
        let original = Dictionary(uniqueKeysWithValues: reports.map { ($0.table, $0.sourceChecksum) })
        #expect(again.filter { $0.table != "api_tokens" }.allSatisfy { original[$0.table] == $0.targetChecksum })
    }

    @Test("a target with rows is refused; an interrupted copy resumes after the last row it wrote and verifies")
    func refuseAndResume() throws {
        let sqlite = try Self.filledSQLite()
        defer { sqlite.close() }
        let postgres = try TestStore(engine: .postgres)
        defer { postgres.close() }
        let source = try #require(sqlite.store as? any TableCopying), target = try #require(postgres.store as? any TableCopying)
        _ = try StoreCopy.run(from: source, to: target, resume: false)
        #expect { try StoreCopy.run(from: source, to: target, resume: false) } throws: { "\($0)".contains("is not empty") }
        // As if interrupted: the tail of some tables never arrived.
        try target.sqlExecute("DELETE FROM events")
        try target.sqlExecute("DELETE FROM inspections WHERE id > 1")
        try target.sqlExecute("DELETE FROM readings")
        var lines: [String] = []
        let resumed = try StoreCopy.run(from: source, to: target, resume: true, batch: 2) { lines.append($0) }
        #expect(resumed.filter { !$0.matches }.map(\.table) == [])
        #expect(resumed.first { $0.table == "inspections" }?.copied == 2)
        #expect(resumed.first { $0.table == "devices" }?.copied == 0)
        #expect(lines.contains("inspections: resuming after 1 rows"))
    }
}
