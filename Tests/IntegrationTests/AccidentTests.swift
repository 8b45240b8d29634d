import DeviceCatalog
import Domain
import Foundation
import Inspection
import Logging
import MQTT
import Pipeline
import Records
import Services
import SourceFiles
import Testing
import TestSupport

/// Accident records on a real store (each engine): the rescue clock proposes one for passengers
/// held 2 h, owners report and confirm within their scope, supervisors investigate, the yearly
/// report counts them by class, type and cause.
@Suite("accidents: proposed at 2 h of held passengers, reported by owners, investigated by supervisors, counted", .serialized)
struct AccidentTests {
    static let policy = try! AccidentPolicy.load(path: repositoryRoot + "/Rules/accidents.yaml")

    static func service(_ env: TestEnvironment) -> ComplianceService {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return ComplianceService(store: env.store, types: env.catalog.types, policy: PlanPolicy(), accidents: policy, topics: Topics(),
                                 clock: .system, logger: logger)
    }

    @Test("a trapped alarm open at 1 h 59 min proposes nothing; at 2 h one general accident (elevator_held), once, with its feed message and timeline entry; resolved in time, none")
    func heldPassengersProposeAnAccident() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { _ = pipeline.stop() }
        let a = env.device("elevator", 1)
        let pub = try env.publisher()
        defer { pub.stop() }
        try pub.publish(topic: env.topic(a, "event"), payload: Array(#"{"ts":\#(nowMs()),"code":"trapped"}"#.utf8), qos: 1)
        try waitUntil(timeout: 10, "the rescue clock of the trapped alarm") { try env.count("SELECT COUNT(*) FROM rescues") == 1 }
        let firedAt = try env.count("SELECT fired_at FROM rescues")
        let alarm = try env.count("SELECT alarm_id FROM rescues")
        let service = Self.service(env)

        #expect(try service.check(now: firedAt + 2 * 3_600_000 - 60_000).accidentsProposed.isEmpty)
        let proposed = try service.check(now: firedAt + 2 * 3_600_000).accidentsProposed
        #expect(proposed.count == 1)
        #expect(try service.check(now: firedAt + 2 * 3_600_000 + 5000).accidentsProposed.isEmpty)   // once
        let id = try #require(proposed.first)
        let item = try #require(try env.store.accident(id, scope: .supervisor, now: firedAt + 2 * 3_600_000))
        #expect(item.class == .general && item.status == .proposed && item.specialCase == "elevator_held")
        #expect(item.device == a.id && item.alarm == alarm && item.occurredAt.millis == firedAt)
        #expect(item.reportDueAt.millis == firedAt + 3 * 3_600_000 && !item.reportLate && item.reportedAt == nil)
        #expect(try env.count("SELECT COUNT(*) FROM incident_timeline WHERE kind = 'accident_proposed'") == 1)
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'accident'") == 1)
        // Within scope: the device's owner and firm see it, another owner does not.
        #expect(try env.store.accident(id, scope: .owner(a.owner), now: firedAt) != nil)
        #expect(try env.store.accident(id, scope: .firm(a.firm), now: firedAt) != nil)
        #expect(try env.store.accident(id, scope: .owner("owner-nobody"), now: firedAt) == nil)
        // Not counted in the yearly report until it is reported.
        #expect(try env.store.accidentCounts(by: .class, from: 0, to: .max, scope: .supervisor).isEmpty)

        // The owner confirms it (late: past the hour); the owner cannot run the investigation.
        let late = firedAt + 3 * 3_600_000 + 60_000
        let reported = try #require(try env.store.update(accident: id, status: .reported, deaths: nil, seriousInjuries: nil, lossCny: nil, cause: nil,
                                                         findings: nil, policy: Self.policy, by: "Li Na", scope: .owner(a.owner), now: late))
        #expect(reported.status == .reported && reported.reportedBy == "Li Na" && reported.reportedAt?.millis == late && reported.reportLate)
        #expect(throws: AccidentRecordError.self) {
            _ = try env.store.update(accident: id, status: .closed, deaths: nil, seriousInjuries: nil, lossCny: nil, cause: "x", findings: "y",
                                     policy: Self.policy, by: "Li Na", scope: .owner(a.owner), now: late)
        }
        #expect(try env.store.update(accident: id, status: .reported, deaths: nil, seriousInjuries: nil, lossCny: nil, cause: nil, findings: nil,
                                     policy: Self.policy, by: "x", scope: .owner("owner-nobody"), now: late) == nil)
        // The investigation revises the figures: the class follows.
        let revised = try #require(try env.store.update(accident: id, status: .investigating, deaths: 3, seriousInjuries: nil, lossCny: nil,
                                                        cause: "brake failure", findings: nil, policy: Self.policy, by: "Zhao", scope: .supervisor,
                                                        now: late + 1000))
        #expect(revised.class == .larger && revised.deaths == 3 && revised.cause == "brake failure")
        #expect(throws: AccidentRecordError.self) {   // investigating cannot go back to proposed
            _ = try env.store.update(accident: id, status: .proposed, deaths: nil, seriousInjuries: nil, lossCny: nil, cause: nil, findings: nil,
                                     policy: Self.policy, by: "Zhao", scope: .supervisor, now: late + 2000)
        }
        let byClass = try env.store.accidentCounts(by: .class, from: 0, to: .max, scope: .supervisor)
        #expect(byClass.map { "\($0.key) \($0.accidents) \($0.deaths) \($0.seriousInjuries) \($0.lossCny)" } == ["larger 1 3 0 0"])
        #expect(try env.store.accidentCounts(by: .cause, from: 0, to: .max, scope: .supervisor).map(\.key) == ["brake failure"])
        #expect(try env.store.accidentCounts(by: .type, from: 0, to: .max, scope: .owner("owner-nobody")).isEmpty)
    }

    @Test("recording: 2 deaths is general, 3 larger; an owner records only its own devices; bad figures and unknown cases are refused naming the field")
    func recording() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let a = env.device("elevator", 2)
        let boiler = env.device("boiler", 0)
        let now = wallMillis()
        let general = try env.store.record(accident: AccidentReport(devices: [a.id], occurredAt: now - 600_000, deaths: 2), policy: Self.policy,
                                           by: "Li Na", scope: .owner(a.owner), now: now)
        #expect(general.class == .general && general.status == .reported && !general.reportLate && general.reportedBy == "Li Na")
        let larger = try env.store.record(accident: AccidentReport(devices: [a.id, boiler.id], occurredAt: now - 2 * 3_600_000, deaths: 3),
                                          policy: Self.policy, by: "bureau", scope: .supervisor, now: now)
        #expect(larger.class == .larger && larger.reportLate && larger.devices == "\(a.id) \(boiler.id)")
        let other = try #require(env.catalog.fleet.devices.first { $0.owner != a.owner })
        func refused(_ r: AccidentReport, _ scope: Role = .supervisor) -> String? {
            let outcome = Result { try env.store.record(accident: r, policy: Self.policy, by: "x", scope: scope, now: now) }
            guard case .failure(let error) = outcome else { return nil }
            return (error as? AccidentRecordError)?.field ?? "\(error)"
        }
        #expect(refused(AccidentReport(devices: [other.id], occurredAt: now), .owner(a.owner)) == "device")
        #expect(refused(AccidentReport(devices: [a.id], occurredAt: now, deaths: -1)) == "deaths")
        #expect(refused(AccidentReport(devices: [a.id], occurredAt: now, specialCase: "meteor")) == "special_case")
        #expect(refused(AccidentReport(devices: [a.id], occurredAt: now, specialCase: "pressure_explosion")) == "special_case")   // not an elevator's
        #expect(refused(AccidentReport(devices: [], occurredAt: now)) == "device")
        #expect(refused(AccidentReport(devices: [a.id], occurredAt: now + 3_600_000)) == "at")
        // Lists: newest first, within scope.
        #expect(try env.store.accidents(AccidentFilter(now: now)).map(\.id) == [general.id, larger.id])
        var mine = AccidentFilter(device: boiler.id, now: now)
        mine.scope = .supervisor
        #expect(try env.store.accidents(mine).map(\.id) == [larger.id])
        var theirs = AccidentFilter(now: now)
        theirs.scope = .owner(other.owner)
        #expect(try env.store.accidents(theirs).allSatisfy { $0.owner == other.owner })
    }
}
