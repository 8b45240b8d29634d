import DeviceCatalog
import Domain
import Pipeline
import Ingest
import Inspection
import Foundation
import Records
import Risk
import Services
import SourceFiles
import Testing
import TestSupport

/// The owner's routine against a real store (both engines): notices of missing records, once,
/// and the risk grade's likelihood input.
@Suite("Owners' routine: a missing daily record raises one notice after its day; missed records count in the risk grade (real store)")
struct RoutineTests {
    @Test("a daily check missing after its day raises one notice to the owner, once; none while the day lasts; a recorded day none")
    func missingDailyRaisesOneNotice() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let store = env.store
        let days = store.localDays
        let owner = env.catalog.fleet.owners[0].id
        let now = wallMillis()
        let today = days.day(now)
        // Staff named three days ago (owed from the next day); that day and the next recorded, yesterday not.
        try store.nameStaff(owner: owner, [StaffMember(role: .principal, name: "张伟", certificate: nil),
                                           StaffMember(role: .safetyDirector, name: "杨帆", certificate: nil),
                                           StaffMember(role: .safetyOfficer, name: "李娜", certificate: nil)],
                            scope: .supervisor, by: "test", now: now - 3 * 86_400_000)
        for back in [3, 2] {
            _ = try store.recordRoutine(owner: owner, kind: .daily, period: today.adding(days: -back).description, device: nil, site: nil, by: "李娜",
                                        findings: "ok", hazards: 0, scope: .owner(owner), recordedBy: "test", now: now)
        }
        let topics = Topics()
        // Before yesterday ended (one minute before midnight), the last ended day was recorded: nothing.
        let beforeMidnight = days.end(today.adding(days: -1)) - 60_000
        #expect(try RoutineReminders.due(store, today: days.day(beforeMidnight), topics: topics, now: beforeMidnight).filter { $0.key.contains(":daily:") }.isEmpty)
        let due = try RoutineReminders.due(store, today: today, topics: topics, now: now).filter { $0.key.contains(":daily:") }
        #expect(due.map(\.key) == ["routine:\(owner):daily:\(today.adding(days: -1))"])
        #expect(due.first?.message.topic == topics.ownerNotices(owner: owner))
        #expect(due.first?.message.payload.contains("\"routine\":\"daily\"") == true)
        let sent = try RoutineReminders.send(store, now: now, topics: topics)
        #expect(sent >= 1)
        #expect(try RoutineReminders.send(store, now: now + 60_000, topics: topics) == 0)
        #expect(try env.count("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%routine_missing%' AND payload LIKE '%\"daily\"%'") == 1)
        // Compliance: 2 days owed (the naming day is not), 1 recorded; the missed day named.
        let rows = try store.routineCompliance(from: today.adding(days: -10), through: today.adding(days: -1), today: today, scope: .owner(owner))
        let daily = try #require(rows.first { $0.kind == .daily })
        #expect(daily.due == 2 && daily.recorded == 1 && daily.missed == 1 && daily.lastMissed == today.adding(days: -1).description)
        #expect(daily.rate == 0.5)
        #expect(try store.routineCompliance(from: today.adding(days: -10), through: today, today: today, scope: .firm("firm-haihe")).isEmpty)
    }

    @Test("missed routine records raise the likelihood by Rules/risk.yaml's rows: 2 missed none, 3 missed L 1")
    func riskInput() throws {
        let model = try RiskModel.load(path: repositoryRoot + "/Rules/risk.yaml")
        #expect(model.routineWindowDays == 30)
        let env = try TestEnvironment()
        defer { env.close() }
        let entry = try #require(try env.store.loadDirectory(types: env.catalog.types).entries.first)
        let directory = try env.store.loadDirectory(types: env.catalog.types)
        let today = env.store.localDays.day(wallMillis())
        func factor(_ missed: Int) -> Double? {
            let g = RiskGrading.grade(directory.entries[entry.index], directory: directory, model: model, history: RiskHistory(), today: today,
                                      now: wallMillis(), routineMissed: missed)
            return g.factors.first { $0.name == "routine_missed" }?.value
        }
        #expect(factor(2) == 0)
        #expect(factor(3) == 1)
        #expect(factor(10) == 3)
    }
}

/// Certificates and policies through the store into the running registry (both engines).
@Suite("People in the registry: policies cover their owner's devices of their types (or one device); certificates reach the worker's directory (real store)")
struct PeopleRegistryTests {
    @Test("a fleet policy covers its owner's elevators only; a device policy its device; a lapsed one leaves the device uncovered today; certificates load by number")
    func policiesAndCertificatesInTheDirectory() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let store = env.store
        let today = store.localDays.day(wallMillis())
        let devices = env.catalog.fleet.devices
        let elevator = try #require(devices.first { $0.type == "elevator" })
        let owner = elevator.owner
        let sibling = try #require(devices.first { $0.owner == owner && $0.type == "elevator" && $0.id != elevator.id })
        // The test environment insured every owner for the century: this owner's cover now ended yesterday.
        _ = try store.savePolicies([InsurancePolicy(number: "cover-\(owner)", insurer: "Test", owner: owner, device: nil, types: ["elevator"],
                                                    coverCny: 1, validFrom: today.adding(days: -365), validTo: today.adding(days: -1)),
                                    InsurancePolicy(number: "one-device", insurer: "Test", owner: owner, device: elevator.id, types: [],
                                                    coverCny: 1, validFrom: today, validTo: today.adding(days: 364))],
                                   by: "test", at: wallMillis())
        let directory = try store.loadDirectory(types: env.catalog.types)
        func covered(_ id: String) throws -> Bool { try #require(directory.entry(id)).insured.contains { $0.contains(today) } }
        #expect(try covered(elevator.id))
        #expect(try !covered(sibling.id))
        #expect(try #require(directory.entry(sibling.id)).insured.last?.upperBound == today.adding(days: -1))
        #expect(directory.certificates["T-\(elevator.firm)"]?.item == .t)
        #expect(try store.policyRows(scope: .owner(owner), today: today, leadDays: 30).first { $0.number == "one-device" }?.devicesCovered == 1)
        #expect(try store.policyRows(scope: .firm(elevator.firm), today: today, leadDays: 30).isEmpty)
    }

    @Test("expiry reminders: a certificate 90 days from its end and a policy 30 days from its end are announced once; a renewed policy is not")
    func reminders() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let store = env.store
        let now = wallMillis()
        let today = store.localDays.day(now)
        let firm = env.catalog.fleet.firms[0].id
        let owner = env.catalog.fleet.owners[0].id
        _ = try store.saveCertificates([
            Certificate(number: "ENDS-90", holder: "甲", item: .t, issued: today.adding(days: -1000), validUntil: today.adding(days: 90), authority: "x", employer: .firm(firm)),
            Certificate(number: "ENDS-91", holder: "乙", item: .t, issued: today.adding(days: -1000), validUntil: today.adding(days: 91), authority: "x", employer: .firm(firm)),
        ], by: "test", at: now)
        _ = try store.savePolicies([
            InsurancePolicy(number: "ENDS-30", insurer: "I", owner: owner, device: nil, types: ["boiler"], coverCny: 1, validFrom: today.adding(days: -300), validTo: today.adding(days: 30)),
            InsurancePolicy(number: "ENDS-20", insurer: "I", owner: owner, device: nil, types: ["forklift"], coverCny: 1, validFrom: today.adding(days: -300), validTo: today.adding(days: 20)),
            InsurancePolicy(number: "RENEWAL", insurer: "I", owner: owner, device: nil, types: ["forklift"], coverCny: 1, validFrom: today.adding(days: 21), validTo: today.adding(days: 385)),
        ], by: "test", at: now)
        let due = PeopleReminders.due(certificates: try store.certificates(scope: .supervisor), policies: try store.policies(scope: .supervisor),
                                      today: today, policy: PlanPolicy(), topics: Topics(), now: now)
        #expect(Set(due.map(\.key)) == ["certificate:ENDS-90:\(today.adding(days: 90))", "policy:ENDS-30:\(today.adding(days: 30))"])
        #expect(due.first { $0.key.hasPrefix("certificate:") }?.message.topic == Topics().notices(firm: firm))
        #expect(due.first { $0.key.hasPrefix("policy:") }?.message.topic == Topics().ownerNotices(owner: owner))
        #expect(try PeopleReminders.send(store, now: now, policy: PlanPolicy(), topics: Topics()) == 2)
        #expect(try PeopleReminders.send(store, now: now + 60_000, policy: PlanPolicy(), topics: Topics()) == 0)
    }
}
