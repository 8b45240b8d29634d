import Domain
import Foundation
import GRDB
import Records
@testable import Storage
import Testing
import TestSupport

@Suite("major hazards: closure steps, scope, and the v14 migration")
struct HazardClosureTests {
    static func hazard(_ f: StoreFixture, device: String, raisedAt: Int64 = 1_780_000_000_000) throws -> Int64 {
        let num = try f.num(device)
        return try #require(try f.store.sqlInt("INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?, 'elevator.door_lock_bridged', ?, ?) RETURNING id",
                                               [num, raisedAt / 1000, raisedAt]))
    }

    static func step(_ f: StoreFixture, _ id: Int64, _ step: HazardStep, _ scope: Role, at: Int64 = 1_780_000_100_000) throws -> HazardStepResult {
        let party = switch scope { case .supervisor: "supervisor"; case .firm(let x): x; case .owner(let x): x }
        return try f.store.addHazardStep(HazardStepDraft(hazard: id, step: step, party: party, by: "someone", organisation: "org",
                                                         note: nil, at: at), scope: scope, settle: nil)
    }

    @Test("a hazard stays open through the firm's and owner's steps; the closure closes it and ends its timeline")
    func closureSteps() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let id = try Self.hazard(f, device: "E1")   // E1: firm-a, owner School
        #expect(try f.store.registeredDevice("E1")?.record.openHazards.count == 1)
        #expect(try Self.step(f, id, .rectified, .firm("firm-b")) == .notFound)   // not firm-b's device
        #expect(try Self.step(f, id, .confirmed, .owner("Other")) == .notFound)
        guard case .recorded = try Self.step(f, id, .rectified, .firm("firm-a")) else { Issue.record("refused"); return }
        guard case .recorded = try Self.step(f, id, .confirmed, .owner("School")) else { Issue.record("refused"); return }
        #expect(try f.store.hazard(id)?.status == .open)
        #expect(try f.store.registeredDevice("E1")?.record.openHazards.count == 1)
        #expect(try f.store.hazards(HazardFilter(open: true)).map(\.id) == [id])
        guard case .recorded = try Self.step(f, id, .closed, .supervisor, at: 1_780_000_200_000) else { Issue.record("refused"); return }
        let closed = try #require(try f.store.hazard(id))
        #expect(closed.status == .closed && closed.closedBy == "someone" && closed.closedAt?.millis == 1_780_000_200_000)
        #expect(try f.store.registeredDevice("E1")?.record.openHazards.isEmpty == true)
        #expect(try f.store.hazards(HazardFilter(open: true)).isEmpty)
        #expect(try Self.step(f, id, .rectified, .firm("firm-a")) == .alreadyClosed(by: "someone", at: 1_780_000_200_000))
        #expect(try f.store.hazardSteps(id).map(\.step) == [.rectified, .confirmed, .closed])
        // Scope: another firm sees neither the hazard nor its steps.
        #expect(try f.store.hazard(id, scope: .firm("firm-b")) == nil)
        #expect(try f.store.hazardSteps(id, scope: .firm("firm-b")).isEmpty)
        var theirs = HazardFilter()
        theirs.scope = .firm("firm-b")
        #expect(try f.store.hazards(theirs).isEmpty)
    }

    @Test("a maintenance record no longer lifts a hazard")
    func maintenanceDoesNotLift() throws {
        let f = try StoreFixture()
        defer { f.close() }
        _ = try Self.hazard(f, device: "E1", raisedAt: 1_000)
        _ = try f.store.insertMaintenance(Completion(device: "E1", firm: "firm-a", items: ["door lock"], doneAt: 5_000, source: .cli, reportedAt: 6_000),
                                          closing: [.faultFollowup], check: { _ in }, answer: { _ in nil })
        #expect(try f.store.registeredDevice("E1")?.record.openHazards.count == 1)
    }

    @Test("schema v14: a hazard a maintenance record had lifted is open again, with that record on its timeline", .sqliteOnly)
    func migrationReopens() throws {
        let path = NSTemporaryDirectory() + "ew-v13-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v13-batch-readings")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO devices(num, id, type, gateway, site, owner, firm, commissioned, last_inspections, attributes, updated_at) VALUES (1, 'E1', 'elevator', 'gw', 's', 'o', 'firm-a', '2015-01-01', '{}', '{}', 0)")
            try db.execute(sql: "INSERT INTO maintenance_records(id, device_num, firm, done_at, items, source, reported_at) VALUES (7, 1, 'firm-a', 2000, '[]', 'cli', 2500)")
            try db.execute(sql: "INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at, cleared_at, cleared_by_record) VALUES (1, 'elevator.door_lock_bridged', 1, 1000, 2500, 7)")
            try db.execute(sql: "INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (1, 'elevator.door_anti_pinch_failed', 2, 1500)")
        }
        let store = try SQLiteStore(writer: queue, description: path)
        let open = try store.hazards(HazardFilter(open: true))
        #expect(open.map(\.rule) == ["elevator.door_lock_bridged", "elevator.door_anti_pinch_failed"])
        let steps = try store.hazardSteps(open[0].id)
        #expect(steps.map(\.step) == [.maintenance] && steps.first?.at.millis == 2500 && steps.first?.party == "firm-a")
        #expect(try store.hazardSteps(open[1].id).isEmpty)
    }
}
