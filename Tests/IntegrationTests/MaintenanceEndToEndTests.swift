import BrokerProcess
import Domain
import TestSupport
import Maintenance
import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Logging
import MQTT
import Pipeline
import Simulation
import Records
import Services
import Storage
import Testing

@Suite("Maintenance notices and risk end to end (real broker, real SQLite)", .serialized)
struct MaintenanceEndToEndTests {
    /// The shipped Devices/ with the elevators' run-count threshold at `runs` (3), so a few
    /// readings cross it; the simulator's test takes 2, since a few seconds of simulated traffic
    /// over the whole fleet make about three trips an elevator.
    static func lowThresholdDevices(runs: Int = 3) throws -> String {
        try devicesFolder(replacing: ["types/elevator.yaml": [("      run_count: 6000", "      run_count: \(runs)")]])
    }

    /// An elevator that is on the on-demand regime today: eligible firm, no inspection overdue.
    static func eligibleElevator(_ env: TestEnvironment) -> DeviceRecord {
        let firms = Dictionary(uniqueKeysWithValues: env.catalog.fleet.firms.map { ($0.id, $0.grade ?? "") })
        let today = LocalDays.china.day(nowMs())
        return env.catalog.fleet.devices.filter { d in
            d.type == "elevator" && ["A", "B"].contains(firms[d.firm] ?? "")
                && InspectionCalendar.overdue(InspectionCalendar.dueDates(
                    policies: env.catalog.types["elevator"]!.inspections, commissioned: d.commissioned, lastInspections: d.lastInspections,
                    grade: d.inspectionGrade, attributes: d.attributes), on: today).isEmpty
        }.sorted { $0.id < $1.id }[0]
    }

    static func runCount(_ env: TestEnvironment, _ pub: Publisher, _ d: DeviceRecord, _ value: Int) throws {
        try RuleEngineEndToEndTests.send(env, pub, d, #"{"moving":false,"run_count":\#(value)}"#)
    }

    @Test("restarting the simulator against a running pipeline sends no new maintenance_due notice")
    func simulatorRestartSendsNoNotices() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { pipeline.stop() }
        var options = Simulator.Options()
        options.port = env.broker.port
        options.rate = 400
        options.duration = 2
        func simulate() throws {
            options.fillerCertificates = env.fillerCertificates
            let simulator = Simulator(fleet: env.catalog.fleet, options: options, logger: Logger(label: "sim"))
            try simulator.run(stop: Flag())
        }
        try simulate()
        try waitUntil(timeout: 10, "the first run stored") { try env.count("SELECT COUNT(*) FROM readings_flat") > 500 }
        let storedAfterFirst = try env.count("SELECT COUNT(*) FROM readings_flat")
        let dueAfterFirst = try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'maintenance_due'")
        // The simulator starts again from its base totals: lower than the last values it sent.
        try simulate()
        try waitUntil(timeout: 10, "the second run stored") { try env.count("SELECT COUNT(*) FROM readings_flat") > storedAfterFirst + 500 }
        // Let the commit of the last readings land: the reading count stops moving.
        var last = Int64(-1)
        try waitUntil(timeout: 10, "ingest settled") {
            let now = try env.count("SELECT COUNT(*) FROM readings_flat")
            let events = try env.count("SELECT COUNT(*) FROM events WHERE source = 'device'")
            defer { last = now }
            return now == last && now + events == Int64(pipeline.stats.accepted)
        }
        #expect(try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'maintenance_due'") == dueAfterFirst)
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE code = 'counter_reset'") == 0)
    }

    @Test("simulated counters cross a threshold: the notice reaches its device's firm, once, and no other firm")
    func simulatorCountersNotifyTheRightFirm() throws {
        let env = try TestEnvironment(devicesDirectory: try Self.lowThresholdDevices(runs: 2))
        defer { env.close() }
        let all = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/notices/#")
        let haihe = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/notices/firm-haihe")
        let alarmFeed = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/alarms/#")
        defer { all.stop(); haihe.stop(); alarmFeed.stop() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { pipeline.stop() }
        var options = Simulator.Options()
        options.port = env.broker.port
        options.rate = 400
        options.duration = 6
        options.faults = [(.overspeed, 1)]
        options.fillerCertificates = env.fillerCertificates
        let simulator = Simulator(fleet: env.catalog.fleet, options: options, logger: Logger(label: "sim"))
        try simulator.run(stop: Flag())
        do {
            try waitUntil(timeout: 15, "usage notices published and the outbox drained") {
                try env.count("SELECT COUNT(*) FROM notices WHERE trigger = 'run_count'") > 0
                    && env.count("SELECT COUNT(*) FROM outbox") == 0 && all.messages.count >= Int(try env.count("SELECT COUNT(*) FROM notices"))
            }
        } catch {
            Issue.record("\(error): run_count notices \(try env.count("SELECT COUNT(*) FROM notices WHERE trigger = 'run_count'")), outbox \(try env.count("SELECT COUNT(*) FROM outbox")), published \(all.messages.count) of \(try env.count("SELECT COUNT(*) FROM notices")) notices; kinds \(try env.strings("SELECT kind || ':' || COUNT(*) FROM notices GROUP BY kind"))")
            throw error
        }
        pipeline.stop()
        // Stopping drains the outbox (a grade may have changed at the last moment): wait for the recorders.
        try waitUntil(timeout: 5, "recorders caught up with the store") {
            let notices = try env.count("SELECT COUNT(*) FROM notices")
            let red = try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'risk_red'")
            return all.messages.count == Int(notices)
                && alarmFeed.objects.filter { $0.json["transition"] as? String == "risk_red" }.count == Int(red)
        }
        let firmOf = Dictionary(uniqueKeysWithValues: env.catalog.fleet.devices.map { ($0.id, $0.firm) })
        // Every notice went to the topic of its device's firm, and only there.
        for m in all.objects {
            let device = m.json["device"] as? String ?? ""
            #expect(m.topic == "equipwatch/v1/notices/\(firmOf[device] ?? "?")", "\(device) notice on \(m.topic)")
            #expect(m.json["firm"] as? String == firmOf[device])
        }
        #expect(haihe.objects.allSatisfy { firmOf[$0.json["device"] as? String ?? ""] == "firm-haihe" })
        #expect(haihe.messages.count == Int(try env.count("SELECT COUNT(*) FROM notices WHERE firm = 'firm-haihe'")))
        // Each stored notice was published exactly once, with its id.
        let stored = Set(try env.int64s("SELECT id FROM notices"))
        let published = all.objects.compactMap { ($0.json["id"] as? NSNumber)?.int64Value }
        #expect(Set(published) == stored)
        #expect(published.count == stored.count)
        // Usage notices carry the trigger, the figures and a deadline of 3 days; only on-demand elevators get them.
        let usage = all.objects.filter { $0.json["trigger"] as? String == "run_count" }
        #expect(!usage.isEmpty)
        for u in usage {
            #expect(u.json["kind"] as? String == "maintenance_due")
            #expect((u.json["reason"] as? String)?.contains("threshold 2") == true)
            let created = Domain.Timestamp.parseRFC3339(u.json["created_at"] as? String ?? "") ?? 0
            let due = Domain.Timestamp.parseRFC3339(u.json["due_by"] as? String ?? "") ?? 0
            #expect(due - created == 3 * 86_400_000)
            #expect((u.json["detail"] as? [String: Any])?["regime"] as? String == "on_demand")
        }
        // The overspeed rule's follow-up reached the overspeeding elevator's firm.
        for id in simulator.summary.faulted["overspeed"] ?? [] {
            #expect(all.objects.contains { $0.json["kind"] as? String == "fault_followup" && $0.json["device"] as? String == id
                        && $0.topic.hasSuffix("/\(firmOf[id] ?? "?")") })
        }
        // Every device has a grade with its breakdown and model version.
        #expect(try env.count("SELECT COUNT(*) FROM device_risk") == Int64(env.catalog.fleet.devices.count))
        #expect(try env.count("SELECT COUNT(*) FROM device_risk WHERE model LIKE 'lec-3+%' AND \(TestSQL.jsonArrayLength("factors")) >= 10") == Int64(env.catalog.fleet.devices.count))
        // A change to red notified the firm and the supervisors' feed; every change is an event.
        let red = try env.count("SELECT COUNT(*) FROM risk_grades WHERE grade = 'red' AND (previous IS NULL OR previous != 'red')")
        #expect(red > 0)
        #expect(try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'risk_red'") == red)
        #expect(alarmFeed.objects.filter { $0.json["transition"] as? String == "risk_red" }.count == Int(red))
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE code = 'risk_grade_changed'") == (try env.count("SELECT COUNT(*) FROM risk_grades")))
    }

    @Test("a completion over MQTT closes the open notices and begins a new cycle; another firm's report is refused")
    func completionOverMQTT() throws {
        let env = try TestEnvironment(devicesDirectory: try Self.lowThresholdDevices())
        defer { env.close() }
        let d = Self.eligibleElevator(env)
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { pipeline.stop() }
        let results = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/maintenance-results/+")
        defer { results.stop() }
        let pub = try env.publisher()
        defer { pub.stop() }
        try Self.runCount(env, pub, d, 1000)
        try Self.runCount(env, pub, d, 1004)
        try waitUntil(timeout: 10, "maintenance_due stored") {
            try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'maintenance_due' AND status = 'open'") == 1
        }
        // Another firm reports work on this device: refused, nothing closed.
        try pub.publish(topic: "equipwatch/v1/maintenance/firm-jinnan", payload: Array(#"{"device":"\#(d.id)","items":["lubrication"]}"#.utf8), qos: 1)
        try pub.publish(topic: "equipwatch/v1/maintenance/\(d.firm)", payload: Array(#"{"items":["lubrication"]}"#.utf8), qos: 1)
        try waitUntil(timeout: 10, "refusals dead-lettered") {
            try env.count("SELECT COUNT(*) FROM dead_letters WHERE reason IN ('wrong_firm', 'schema') AND topic LIKE '%/maintenance/%'") == 2
        }
        #expect(try env.strings("SELECT detail FROM dead_letters WHERE reason = 'wrong_firm'") == ["device \(d.id) is not maintained by firm firm-jinnan"])
        #expect(try env.count("SELECT COUNT(*) FROM notices WHERE status = 'closed'") == 0)
        // Each firm hears why on its own result topic; the dead letters are for supervisors.
        try waitUntil(timeout: 10, "refusals answered") { results.messages.count == 2 }
        let refusals = Dictionary(uniqueKeysWithValues: results.objects.map { ($0.topic, $0.json) })
        let wrong = try #require(refusals["equipwatch/v1/maintenance-results/firm-jinnan"])
        #expect(wrong["result"] as? String == "refused" && wrong["reason"] as? String == "wrong_firm")
        #expect(wrong["detail"] as? String == "device \(d.id) is not maintained by firm firm-jinnan")
        let incomplete = try #require(refusals["equipwatch/v1/maintenance-results/\(d.firm)"])
        #expect(incomplete["reason"] as? String == "schema" && incomplete["device"] is NSNull)
        // The firm acknowledges the notice; another firm cannot even see it.
        let notice = try env.count("SELECT id FROM notices WHERE kind = 'maintenance_due'")
        #expect(try env.store.acknowledge(notice: notice, firm: "firm-jinnan", by: "x", at: nowMs()) == .notFound)
        #expect(try env.store.acknowledge(notice: notice, firm: d.firm, by: "dispatcher", at: 1000) == .acknowledged)
        #expect(try env.store.acknowledge(notice: notice, firm: d.firm, by: "other", at: 2000) == .alreadyAcknowledged(by: "dispatcher", at: 1000))
        #expect(try env.strings("SELECT status FROM notices WHERE id = \(notice)") == ["acked"])
        // An elevator's maintenance needs a worker with a valid T certificate of the firm (TSG Z6001-2019):
        // none named, and a P (cylinder filling) certificate, are both refused and nothing closes.
        try pub.publish(topic: "equipwatch/v1/maintenance/\(d.firm)", payload: Array(#"{"device":"\#(d.id)","items":["lubrication"]}"#.utf8), qos: 1)
        try pub.publish(topic: "equipwatch/v1/maintenance/\(d.firm)",
                        payload: Array(#"{"device":"\#(d.id)","items":["lubrication"],"worker_cert":"P-\#(d.firm)"}"#.utf8), qos: 1)
        try waitUntil(timeout: 10, "uncertified reports refused") { results.messages.count == 4 }
        let uncertified = results.objects.suffix(2)
        #expect(uncertified.allSatisfy { $0.json["result"] as? String == "refused" && $0.json["reason"] as? String == "certificate" })
        #expect(uncertified.contains { ($0.json["detail"] as? String)?.hasPrefix("no worker certificate named") == true })
        #expect(uncertified.contains { ($0.json["detail"] as? String)?.contains("is for P (gas cylinder filling); this work needs T") == true })
        #expect(try env.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'certificate'") == 2)
        #expect(try env.count("SELECT COUNT(*) FROM maintenance_records") == 0)
        // The device's own firm reports it with its worker's T certificate: notices closed, the record
        // kept with the certificate and applied with its baseline.
        try pub.publish(topic: "equipwatch/v1/maintenance/\(d.firm)",
                        payload: Array(#"{"device":"\#(d.id)","items":["lubrication","door adjustment"],"worker_cert":"T-\#(d.firm)"}"#.utf8), qos: 1)
        try waitUntil(timeout: 10, "record applied") {
            try env.count("SELECT COUNT(*) FROM maintenance_records WHERE applied_at IS NOT NULL") == 1
        }
        #expect(try env.strings("SELECT status FROM notices WHERE kind = 'maintenance_due'") == ["closed"])
        #expect(try env.strings("SELECT items || ' ' || source || ' ' || baseline || ' ' || worker_cert FROM maintenance_records")
                == [#"["lubrication","door adjustment"] mqtt {"run_count":1004} T-\#(d.firm)"#])
        try waitUntil(timeout: 10, "acceptance answered") { results.messages.count == 5 }
        let accepted = try #require(results.objects.last)
        #expect(accepted.topic == "equipwatch/v1/maintenance-results/\(d.firm)")
        #expect(accepted.json["result"] as? String == "accepted" && accepted.json["device"] as? String == d.id)
        #expect(accepted.json["record"] as? Int == Int(try env.count("SELECT id FROM maintenance_records")))
        #expect(accepted.json["closed_notices"] as? Int == 1 && accepted.json["source"] as? String == "mqtt")
        // A new cycle: two more runs are below the threshold of 3, four are not.
        let stored = try env.count("SELECT COUNT(*) FROM readings_flat")
        try Self.runCount(env, pub, d, 1006)
        // The planner decides in the commit that stores the reading: once it is stored, so is any notice.
        try waitUntil(timeout: 10, "reading 1006 stored") { try env.count("SELECT COUNT(*) FROM readings_flat") > stored }
        #expect(try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'maintenance_due'") == 1)
        try Self.runCount(env, pub, d, 1008)
        try waitUntil(timeout: 10, "second cycle's notice") {
            try env.count("SELECT COUNT(*) FROM notices WHERE kind = 'maintenance_due' AND status = 'open'") == 1
        }
        #expect(try env.count("SELECT COUNT(DISTINCT key) FROM notices WHERE kind = 'maintenance_due'") == 2)
        // The CLI's store operation checks the firm the same way.
        #expect(throws: MaintenanceError.notTheDevicesFirm(device: d.id, firm: "firm-jinnan")) {
            try env.store.recordMaintenance(Completion(device: d.id, firm: "firm-jinnan", items: [], doneAt: nowMs(), source: .cli, reportedAt: nowMs()), topics: Topics())
        }
    }

    @Test("notices decided while the broker is down are stored once and all published when it returns")
    func noticesSurviveABrokerOutage() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let d = Self.eligibleElevator(env)
        let feed = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/notices/\(d.firm)", persistent: true)
        defer { feed.stop() }
        let clock = MovableClock()
        let pipeline = try env.startedPipeline { try env.plannerPipeline(clock: clock.pipelineClock) }
        defer { pipeline.stop() }
        let pub = try env.publisher()
        try Self.runCount(env, pub, d, 1000)
        pub.stop()
        try waitUntil(timeout: 10, "first reading stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 1 }
        let before = try env.count("SELECT COUNT(*) FROM notices WHERE firm = '\(d.firm)'")
        env.broker.stop()
        // The pipeline knows its broker is gone before the clock moves: otherwise its first tick
        // at the moved clock could see 62 days of silence not yet covered by its own outage (in
        // real time the loss is noticed within a second, long before any silence counts).
        try waitUntil(timeout: 10, "the broker's loss noticed") { pipeline.disconnectedSince != nil }
        // 62 days later: past the on-demand calendar limit (the end of the next calendar month)
        // less the 3-day deadline. The device's silence meanwhile is the pipeline's own outage:
        // it lapses no eligibility (issue 29), so the calendar decides alone.
        clock.advance(by: 62 * 86_400_000)
        try waitUntil(timeout: 10, "calendar notice decided while the broker is down") {
            try env.count("SELECT COUNT(*) FROM notices n JOIN devices d ON d.num = n.device_num WHERE d.id = '\(d.id)' AND n.kind = 'maintenance_due'") == 1
        }
        #expect(try env.count("SELECT COUNT(*) FROM outbox") > 0)
        try env.broker.start()
        try waitUntil(timeout: 20, "outbox drained after the broker returned") { try env.count("SELECT COUNT(*) FROM outbox") == 0 }
        let stored = Set(try env.int64s("SELECT id FROM notices WHERE firm = '\(d.firm)'"))
        #expect(stored.count > Int(before))
        try waitUntil(timeout: 10, "the firm's recorder got them") {
            stored.isSubset(of: Set(feed.objects.compactMap { ($0.json["id"] as? NSNumber)?.int64Value }))
        }
        let mine = feed.objects.filter { $0.json["device"] as? String == d.id }
        #expect(mine.filter { $0.json["kind"] as? String == "maintenance_due" && $0.json["trigger"] as? String == "calendar" }.count == 1)
        #expect(mine.filter { $0.json["kind"] as? String == "regime_changed" }.isEmpty)
        // QoS 1 is at-least-once: a message in flight when the broker went away may arrive twice,
        // always with its id (consumers deduplicate on it); the store never holds a notice twice.
        // Every notice of the outage was published (awaited above). The planner goes on deciding
        // (the clock stands 62 days on), so notices newer than `stored` may be published by now:
        // each published id must be a stored notice (read after the feed: anything published is committed).
        let ids = Set(feed.objects.compactMap { ($0.json["id"] as? NSNumber)?.int64Value })
        let storedNow = Set(try env.int64s("SELECT id FROM notices WHERE firm = '\(d.firm)'"))
        #expect(ids.isSubset(of: storedNow), "published but not stored: \(ids.subtracting(storedNow).sorted())")
        // One decision, one notice: no device got the calendar notice or the regime change twice
        // under different keys (a planner that re-decided after the outage would).
        #expect(try env.count("""
            SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM notices
            WHERE (kind = 'maintenance_due' AND trigger = 'calendar') OR kind = 'regime_changed' GROUP BY device_num, kind) AS per_device
            """) == 1)
    }
}
