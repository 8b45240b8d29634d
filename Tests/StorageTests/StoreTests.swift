import Domain
import Foundation
import GRDB
import Records
import Storage
import TestSupport
import Synchronization
import Testing

/// A store of the run's engine (a temporary SQLite file, or a fresh PostgreSQL database): no
/// broker, no pipeline, only rows in and rows out.
struct StoreFixture {
    let store: any Store
    let testStore: TestStore

    init() throws {
        testStore = try TestStore()
        store = testStore.store
        var fleet = Fleet()
        fleet.firms = [Firm(id: "firm-a", name: "Firm A", grade: "A"), Firm(id: "firm-b", name: "Firm B", grade: "B")]
        fleet.sites = [Site(id: "site-1", name: "School", category: "school", city: "Tianjin", peopleExposed: 800)]
        fleet.gateways = [Gateway(id: "gw-1", site: "site-1")]
        let day = { (text: String) in Day(parsing: text)! }
        fleet.devices = [
            DeviceRecord(id: "E1", type: "elevator", gateway: "gw-1", site: "site-1", owner: "School", firm: "firm-a",
                         commissioned: day("2015-05-01"), lastInspections: ["periodic": day("2026-01-10")], inspectionGrade: nil,
                         attributes: ["rated_speed_mps": .number(1.75)], origin: Origin(file: "test", line: 1)),
            DeviceRecord(id: "E2", type: "elevator", gateway: "gw-1", site: "site-1", owner: "School", firm: "firm-b",
                         commissioned: day("2018-05-01"), lastInspections: [:], inspectionGrade: 2, attributes: [:],
                         origin: Origin(file: "test", line: 2)),
        ]
        try store.importFleet(fleet, now: 1)
    }

    func num(_ id: String) throws -> Int64 { try store.num(id) }

    /// The same store with days counted in `localDays`.
    func reopen(localDays: LocalDays) throws -> any Store { try testStore.reopen(localDays: localDays) }

    func close() { testStore.close() }
}

@Suite("Storage on a temporary database (no broker)")
struct StoreTests {
    static let t0: Int64 = 1_795_000_000_000

    @Test("the registry round-trips, devices in num order with attributes and inspection dates")
    func registryRoundTrip() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let r = try f.store.registry()
        #expect(r.devices.map(\.record.id) == ["E1", "E2"])
        #expect(r.devices[0].record.attributes == ["rated_speed_mps": .number(1.75)])
        #expect(r.devices[0].record.lastInspections == ["periodic": Day(parsing: "2026-01-10")!])
        #expect(r.devices[1].record.inspectionGrade == 2)
        #expect(r.sites.first?.peopleExposed == 800)
        #expect(Set(r.firms.map(\.id)) == ["firm-a", "firm-b"])
        #expect(r.gateways == ["gw-1"])
    }

    @Test("a device row edited into broken JSON is an error naming the device, not a device without attributes")
    func brokenRegistryRow() throws {
        let f = try StoreFixture()
        defer { f.close() }
        try f.store.sqlExecute("UPDATE devices SET attributes = '{broken' WHERE id = 'E2'")
        #expect { try f.store.registry() } throws: { "\($0)".contains("device E2: its attributes column is not a JSON object") }
    }

    @Test("one commit writes readings, events, dead letters and device state, read back as typed rows")
    func commitAndQuery() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        var batch = CommitBatch()
        batch.messages = [
            AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .telemetry, ts: Self.t0, seq: UInt64.max, receivedAt: Self.t0 + 5,
                            values: [], code: nil, data: #"{"speed_mps":1.2}"#),
            AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .event, ts: Self.t0 + 1, seq: nil, receivedAt: Self.t0 + 6,
                            values: [], code: "trapped", data: "{}"),
        ]
        batch.events = [DerivedEvent(deviceNum: e1, ts: Self.t0 + 2, code: .seqGap, data: #"{"missing":3}"#, receivedAt: Self.t0 + 7)]
        batch.deadLetters = [DeadLetter(receivedAt: Self.t0 + 8, reason: .schema, detail: "field 'x' is not declared", topic: "t",
                                        gateway: "gw-1", device: "E1", payload: Array("{\"x\":1}".utf8), payloadSize: 7)]
        batch.deviceStates[e1] = DeviceStateUpdate(lastTs: Self.t0 + 1, lastReceivedAt: Self.t0 + 6, lastData: #"{"speed_mps":1.2}"#, messages: 2)
        try f.store.commit(batch)

        let readings = try f.store.readings(device: "E1", from: nil, to: nil, limit: 10)
        #expect(readings.count == 1)
        #expect(readings.first?.ts == Instant(millis: Self.t0))
        #expect(readings.first?.seq == -1)  // UInt64.max, stored as its bit pattern
        #expect(readings.first?.receivedAt == Instant(millis: Self.t0 + 5))
        #expect(readings.first?.data == RawJSON(#"{"speed_mps":1.2}"#))
        let events = try f.store.events(device: "E1", code: nil, from: nil, to: nil, limit: 10)
        #expect(events.map(\.code) == ["seq_gap", "trapped"])
        #expect(events.map(\.source) == ["pipeline", "device"])
        let dead = try f.store.deadLetters(reason: .schema, from: nil, to: nil, limit: 10)
        #expect(dead.map(\.payload.text) == [#"{"x":1}"#])
        #expect(try f.store.deadLetters(reason: .stale, from: nil, to: nil, limit: 10).isEmpty)
        let device = try #require(try f.store.devices(DeviceFilter(), limit: 10).first { $0.id == "E1" })
        #expect(device.messages == 2)
        #expect(device.lastSeen == Instant(millis: Self.t0 + 6))
        #expect(device.location == "school")
    }

    @Test("a notice is stored once per key, its outbox message carries the id the store gave it, and a stale one is dropped")
    func noticesOncePerKey() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        func draft(_ key: String, staleAfter: Int64? = nil) -> NoticeDraft {
            NoticeDraft(key: key, deviceNum: e1, device: "E1", type: "elevator", firm: "firm-a", kind: .maintenanceDue,
                        trigger: "calendar", reason: Prose(.maintenanceCalendar, en: "30 d since the last maintenance", zh: "距上次维保 30 天"), dueBy: Self.t0 + 86_400_000,
                        createdAt: Self.t0, staleAfterRecord: staleAfter, detail: "{}")
        }
        var batch = CommitBatch()
        batch.notices = [draft("k1"), draft("k1")]
        batch.noticeMessage = { id, n in OutboxMessage(topic: "notices/\(n.firm)", payload: "{\"id\":\(id)}") }
        try f.store.commit(batch)
        let notices = try f.store.notices(NoticeFilter())
        #expect(notices.count == 1)
        let outbox = try f.store.outbox(after: 0, limit: 10)
        #expect(outbox.map(\.payload) == ["{\"id\":\(notices[0].id)}"])
        #expect(outbox.map(\.topic) == ["notices/firm-a"])

        // Work reported meanwhile: a decision made before record 0 is stale once a record exists.
        _ = try f.store.insertMaintenance(Completion(device: "E1", firm: "firm-a", items: [], doneAt: Self.t0, source: .cli, reportedAt: Self.t0),
                                          closing: [.maintenanceDue], check: { _ in }, answer: { _ in nil })
        var later = CommitBatch()
        later.notices = [draft("k2", staleAfter: 0)]
        try f.store.commit(later)
        #expect(try f.store.notices(NoticeFilter()).map(\.id) == [notices[0].id])
    }

    @Test("a completion closes the given kinds only, and a refusing check writes nothing")
    func completionsCloseNotices() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        var batch = CommitBatch()
        for (key, kind) in [("a", NoticeKind.maintenanceDue), ("b", .riskRed)] {
            batch.notices.append(NoticeDraft(key: key, deviceNum: e1, device: "E1", type: "elevator", firm: "firm-a", kind: kind,
                                             trigger: "t", reason: Prose(.maintenanceCalendar, en: "r", zh: "r"), dueBy: nil, createdAt: Self.t0, staleAfterRecord: nil, detail: "{}"))
        }
        try f.store.commit(batch)
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try f.store.insertMaintenance(Completion(device: "E1", firm: "firm-b", items: [], doneAt: Self.t0, source: .api, reportedAt: Self.t0),
                                          closing: [.maintenanceDue], check: { firm in if firm != "firm-b" { throw Refused() } },
                                          answer: { _ in OutboxMessage(topic: "never", payload: "{}") })
        }
        #expect(try f.store.maintenanceHistory(device: "E1").isEmpty)
        let result = try f.store.insertMaintenance(
            Completion(device: "E1", firm: "firm-a", items: ["brakes"], doneAt: Self.t0, source: .mqtt, reportedAt: Self.t0 + 1),
            closing: [.maintenanceDue], check: { firm in #expect(firm == "firm-a") },
            answer: { OutboxMessage(topic: "maintenance-results/firm-a", payload: "{\"record\":\($0.record)}") })
        #expect(result.closedNotices == 1)
        // The answer is written with the record, and only for the record kept.
        #expect(try f.store.sqlTexts("SELECT payload FROM outbox WHERE topic LIKE 'maintenance-results/%'") == ["{\"record\":\(result.record)}"])
        #expect(try f.store.sqlInt("SELECT COUNT(*) FROM outbox WHERE topic = 'never'") == 0)
        let byKind = Dictionary(uniqueKeysWithValues: try f.store.notices(NoticeFilter()).map { ($0.kind, $0.status) })
        #expect(byKind == [.maintenanceDue: .closed, .riskRed: .open])
        let history = try f.store.maintenanceHistory(device: "E1")
        #expect(history.map(\.source) == [.mqtt])
        #expect(history.first?.items == RawJSON(#"["brakes"]"#))
    }

    @Test("a tier's notices close only when the completion covered that tier; routine ones close with any completion")
    func tierNoticesCloseByCoverage() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        var batch = CommitBatch()
        for (key, trigger) in [("routine", "calendar"), ("q", "tier:quarterly"), ("y", "tier:yearly")] {
            batch.notices.append(NoticeDraft(key: key, deviceNum: e1, device: "E1", type: "elevator", firm: "firm-a", kind: .maintenanceDue,
                                             trigger: trigger, reason: Prose(.maintenanceCalendar, en: "r", zh: "r"), dueBy: nil, createdAt: Self.t0, staleAfterRecord: nil, detail: "{}"))
        }
        try f.store.commit(batch)
        func status() throws -> [String: NoticeStatus] {
            Dictionary(uniqueKeysWithValues: try f.store.notices(NoticeFilter()).map { ($0.trigger, $0.status) })
        }
        func complete(_ tiers: [MaintenanceTier]) throws {
            _ = try f.store.insertMaintenance(Completion(device: "E1", firm: "firm-a", items: [], doneAt: Self.t0, source: .cli,
                                                         reportedAt: Self.t0, tiers: tiers),
                                              closing: [.maintenanceDue], check: { _ in }, answer: { _ in nil })
        }
        try complete([])
        #expect(try status() == ["calendar": .closed, "tier:quarterly": .open, "tier:yearly": .open])
        try complete([.quarterly])
        #expect(try status() == ["calendar": .closed, "tier:quarterly": .closed, "tier:yearly": .open])
        #expect(try f.store.unappliedMaintenance(after: 0).map(\.tiers) == [[], [.quarterly]])
    }

    @Test("an alarm that opens an incident writes the timeline entry it is handed; acknowledging queues the feed message")
    func alarmsAndIncidents() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        let alarm = Alarm(id: 7, deviceNum: e1, device: "E1", type: "elevator", site: "site-1", firm: "firm-a", rule: "elevator.trapped",
                          family: "elevator.trapped", pack: "abc", severity: .critical, state: .firing, startedAt: Self.t0, firedAt: Self.t0,
                          resolvedAt: nil, repeats: 0, lastAt: Self.t0, message: "trapped", inputs: #"{"event":"trapped"}"#, incidentId: 3)
        var batch = CommitBatch()
        batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true), payload: #"{"transition":"raised"}"#)]
        try f.store.commit(batch)
        #expect(try f.store.alarms(AlarmFilter()).map(\.state) == [.firing])
        var open = AlarmFilter()
        open.state = .open
        #expect(try f.store.alarms(open).count == 1)
        open.state = .resolved
        #expect(try f.store.alarms(open).isEmpty)
        #expect(try f.store.incidents(AlarmFilter()).map(\.status) == [.open])
        #expect(try f.store.incidentTimeline(3)?.map(\.detail) == [RawJSON(#"{"transition":"raised"}"#)])
        #expect(try f.store.incidentTimeline(99) == nil)

        let result = try f.store.acknowledge(alarm: 7, by: "officer-li", at: Self.t0 + 10, onSite: false) { a in
            OutboxMessage(topic: "alarms/\(a.type)", payload: "ack \(a.id)")
        }
        #expect(result == .acknowledged)
        #expect(try f.store.acknowledge(alarm: 7, by: "other", at: Self.t0 + 20, onSite: false) { _ in OutboxMessage(topic: "x", payload: "x") }
                == .alreadyAcknowledged(by: "officer-li", at: Self.t0 + 10))
        #expect(try f.store.outbox(after: 0, limit: 10).map(\.payload) == ["ack 7"])
        #expect(try f.store.incidentTimeline(3)?.map(\.kind) == ["opened", "acknowledged"])
    }

    @Test("a write the engine refuses keeps the engine's code (SQLite's result code, PostgreSQL's SQLSTATE) and is not taken for a transient failure")
    func errorsKeepTheirCodes() throws {
        let f = try StoreFixture()
        defer { f.close() }
        var batch = CommitBatch()
        batch.deviceStates[424_242] = DeviceStateUpdate(messages: 1)  // no such device: a foreign key violation
        do {
            try f.store.commit(batch)
            Issue.record("the commit should have been refused")
        } catch {
            switch TestEngine.current {
            case .sqlite:
                #expect(error.sqliteCode == 19)  // SQLITE_CONSTRAINT
                #expect("\(error)".contains("FOREIGN KEY"))
            case .postgres:
                #expect(error.sqlState == "23503")  // foreign_key_violation
                #expect("\(error)".contains("foreign key"))
            }
            #expect(!error.isTransient)
            #expect(!error.isStoreFailure)
        }
    }
}

@Suite("Salvaging a refused commit (temporary SQLite database)", .sqliteOnly)
struct SalvageTests {
    @Test("a permanent refusal is split down to the refused row; a transient one in the middle is retried on that part only")
    func transientDuringSalvageCommitsEachRowOnce() throws {
        let path = NSTemporaryDirectory() + "ew-salvage-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        let busyOnce = Mutex(true)
        // `test_check_row(data)` refuses "poison" for good, and "busy" once with SQLITE_BUSY.
        queue.inDatabase { db in
            db.add(function: DatabaseFunction("test_check_row", argumentCount: 1, pure: false) { values in
                let data = String.fromDatabaseValue(values[0]) ?? ""
                if data.contains("poison") { throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "poisoned") }
                if data.contains("busy"), busyOnce.withLock({ b in defer { b = false }; return b }) {
                    throw DatabaseError(resultCode: .SQLITE_BUSY, message: "busy for a moment")
                }
                return 1
            })
        }
        let store = try SQLiteStore(writer: queue, description: path)
        try store.write { db in
            try db.execute(sql: "CREATE TRIGGER test_check BEFORE INSERT ON readings BEGIN SELECT test_check_row(NEW.data); END")
        }
        var batch = CommitBatch()
        for (i, data) in [#"{"a":1}"#, #"{"b":"poison"}"#, #"{"c":"busy"}"#, #"{"d":2}"#].enumerated() {
            batch.messages.append(AcceptedMessage(deviceNum: 1, entryIndex: 0, kind: .telemetry, ts: Int64(i), seq: UInt64(i),
                                                  receivedAt: 0, values: [], code: nil, data: JSONBytes(data)))
        }
        var waits: [Int32] = []
        let refused = try store.commitSalvaging(batch) { error in waits.append(error.sqliteCode ?? -1) }
        #expect(refused.count == 1)
        #expect(refused.first?.row.messages.first?.data.string.contains("poison") == true)
        #expect(refused.first?.error.sqliteCode == 19)
        #expect(waits == [5])  // SQLITE_BUSY, retried on its own part
        let stored = try store.read { db in try String.fetchAll(db, sql: "SELECT data FROM readings_flat ORDER BY ts") }
        #expect(stored == [#"{"a":1}"#, #"{"c":"busy"}"#, #"{"d":2}"#])  // each once
    }
}
