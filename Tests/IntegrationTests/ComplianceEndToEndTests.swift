import MQTT
import BrokerProcess
import DeviceCatalog
import Domain
import Foundation
import GRDB
import Inspection
import Logging
import Pipeline
import Records
import Services
import Storage
import Testing
import TestSupport

@Suite("compliance end to end: must-not-use with its notices, reminders once, the rescue clock", .serialized)
struct ComplianceEndToEndTests {
    static func service(_ env: TestEnvironment, policy: PlanPolicy = PlanPolicy()) -> ComplianceService {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return ComplianceService(store: env.store, types: env.catalog.types, policy: policy, topics: Topics(),
                                 clock: .system, logger: logger)
    }

    static func notices(_ env: TestEnvironment, _ kind: NoticeKind, device: String? = nil) throws -> [NoticeItem] {
        var f = NoticeFilter()
        f.kind = kind
        f.device = device
        f.limit = 10_000
        return try env.store.notices(f)
    }

    @Test("must-not-use is set with one notice to the firm and the owner and a device event, kept across checks and restarts, cleared by a pass")
    func mustNotUseLifecycle() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let now = wallMillis()
        let today = LocalDays.china.day(now)
        // What the sample fleet must show today, from the pure rule.
        let expected = Set(try env.store.registry().devices.compactMap { num, d in
            Compliance.mustNotUse(d, type: env.catalog.types[d.type]!, today: today) == nil ? nil : d.id
        })
        let round = try Self.service(env).check(now: now, force: true)
        #expect(Set(round.set) == expected)
        #expect(round.mustNotUse == expected.count)
        var filter = DeviceFilter()
        filter.mustNotUse = true
        #expect(Set(try env.store.devices(filter).map(\.id)) == expected)
        #expect(try env.store.devices(filter).allSatisfy { $0.mustNotUse && $0.mustNotUseReason != nil })
        #expect(try Self.notices(env, .inspectionOverdue).count == expected.count)
        #expect(try env.count("SELECT COUNT(*) FROM outbox WHERE topic LIKE 'equipwatch/v1/owner-notices/%' AND payload LIKE '%inspection_overdue%'")
                == Int64(expected.count))
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device'") == Int64(expected.count))

        // Again, and after a restart: nothing new.
        #expect(try Self.service(env).check(now: now + 1000, force: true).set.isEmpty)
        #expect(try Self.notices(env, .inspectionOverdue).count == expected.count)

        // Statuses written before reasons had Chinese (schema v16) get their Chinese at the next
        // check, with no second notice to the firm or the owner.
        try env.store.sqlExecute("UPDATE device_compliance SET reason_zh = NULL")
        let outbox = try env.count("SELECT COUNT(*) FROM outbox")
        #expect(Set(try Self.service(env).check(now: now + 2000, force: true).set) == expected)
        #expect(try env.count("SELECT COUNT(*) FROM device_compliance WHERE reason_zh IS NULL") == 0)
        #expect(try Self.notices(env, .inspectionOverdue).count == expected.count)
        #expect(try env.count("SELECT COUNT(*) FROM outbox") == outbox)
        filter.language = .zh
        #expect(try env.store.devices(filter).allSatisfy { ($0.mustNotUseReason ?? "").contains("禁止使用") })
        #expect(try Self.service(env).check(now: now + 3000, force: true).set.isEmpty)

        // A healthy elevator fails its periodic inspection: must not be used, one notice; a pass clears it.
        let healthy = try #require(env.catalog.fleet.devices.first { $0.type == "elevator" && !expected.contains($0.id) })
        let num = try #require(try env.store.registeredDevice(healthy.id)?.num)
        func record(_ result: InspectionResult, _ date: Day) throws {
            _ = try env.store.recordInspection(
                InspectionRecord(device: healthy.id, kind: "periodic", date: date, result: result, grade: nil, inspector: "Wang",
                                 organisation: "TSEI", reportNumber: "R-1", source: .cli, recordedBy: "test"),
                deviceNum: num, dueBefore: nil, at: now)
        }
        try record(.fail, today.adding(days: -1))
        let service = Self.service(env)
        let r1 = try service.check(now: now + 2000, force: true)
        #expect(r1.set == [healthy.id])
        let n = try Self.notices(env, .inspectionOverdue, device: healthy.id)
        #expect(n.count == 1)
        #expect(n.first?.reason.contains("periodic inspection failed on \(today.adding(days: -1))") == true)
        #expect(n.first?.firm == healthy.firm)
        #expect(try env.count("SELECT COUNT(*) FROM outbox WHERE topic = 'equipwatch/v1/owner-notices/\(healthy.owner)' AND payload LIKE '%\"device\":\"\(healthy.id)\"%'") >= 1)
        #expect(try env.store.devices(DeviceFilter()).first { $0.id == healthy.id }?.mustNotUseReason == "periodic inspection failed on \(today.adding(days: -1))")
        try record(.pass, today)
        let r2 = try service.check(now: now + 3000, force: true)
        #expect(r2.cleared == [healthy.id])
        #expect(try Self.notices(env, .inspectionOverdue, device: healthy.id).map(\.status) == [.closed])
        let last = try env.store.sqlText("SELECT payload FROM changes WHERE kind = 'device' ORDER BY id DESC LIMIT 1")
        #expect(last?.contains("\"must_not_use\":false") == true && last?.contains(healthy.id) == true)
    }

    @Test("an inspection due on D is overdue from 00:00 on D + 1 in Beijing (16:00 UTC on D), and its reminder is due by then")
    func overdueAtLocalMidnight() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let bj = env.store.localDays
        #expect(bj == .china)
        let now = wallMillis()
        let today = bj.day(now)
        // A device that may be used today, and its next statutory due date D.
        let (id, due) = try #require(try env.store.registry().devices.lazy.compactMap { _, d -> (String, Day)? in
            let type = env.catalog.types[d.type]!
            guard Compliance.mustNotUse(d, type: type, today: today) == nil, d.failedInspections.isEmpty, d.openHazards.isEmpty else { return nil }
            let next = InspectionCalendar.dueDates(of: d, type: type).filter { $0.coveredBy == nil && !$0.mustNotUse }.map(\.due).min()
            return next.map { (d.id, $0) }
        }.first)
        let midnight = bj.start(due.adding(days: 1))
        let service = Self.service(env)
        let before = try service.check(now: midnight - 60_000, force: true)      // 23:59 on D, Beijing
        #expect(!before.set.contains(id))
        let reminder = try #require(try Self.notices(env, .inspectionDue, device: id).first { $0.reason.contains("due \(due)") })
        #expect(reminder.dueBy?.millis == midnight)
        let after = try service.check(now: midnight + 30 * 60_000, force: true)   // 00:30 on D + 1, Beijing: still D in UTC
        #expect(after.set.contains(id))
        #expect(try env.store.devices(DeviceFilter()).first { $0.id == id }?.mustNotUseReason?.hasSuffix("overdue since \(due.adding(days: 1))") == true)
    }

    @Test("inspection_due reminders go out once per device, kind and due date, across restarts, to the firm and the owner")
    func remindersOnce() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let now = wallMillis()
        let today = LocalDays.china.day(now)
        var expected: Set<String> = []
        for (_, d) in try env.store.registry().devices {
            let dues = InspectionCalendar.dueDates(of: d, type: env.catalog.types[d.type]!)
            for r in Compliance.reminders(dues: dues, today: today, leadDays: 30) { expected.insert(r.key(device: d.id)) }
        }
        #expect(!expected.isEmpty, "the sample fleet has inspections due within 30 days")
        let first = try Self.service(env).check(now: now, force: true)
        #expect(Set(first.reminders) == expected)
        #expect(try Self.service(env).check(now: now + 60_000, force: true).reminders.isEmpty)   // a restart
        let stored = try Self.notices(env, .inspectionDue)
        #expect(stored.count == expected.count)
        #expect(try env.count("SELECT COUNT(*) FROM outbox WHERE topic LIKE 'equipwatch/v1/owner-notices/%' AND payload LIKE '%inspection_due%'")
                == Int64(expected.count))
        #expect(try env.count("SELECT COUNT(*) FROM outbox WHERE topic LIKE 'equipwatch/v1/notices/%' AND payload LIKE '%inspection_due%'")
                == Int64(expected.count))
    }

    @Test("recorded results move due dates for every type: a pass restarts the interval, a pressure vessel's grade sets it, a failure or grade 5 stops use")
    func recordsMoveDueDates() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let now = wallMillis()
        let today = LocalDays.china.day(now)
        func record(_ d: DeviceRecord, _ kind: String, _ result: InspectionResult, grade: Int? = nil) throws -> DeviceRecord {
            let num = try #require(try env.store.registeredDevice(d.id)?.num)
            _ = try env.store.recordInspection(
                InspectionRecord(device: d.id, kind: kind, date: today, result: result, grade: grade, inspector: nil, organisation: nil,
                                 reportNumber: nil, source: .api, recordedBy: "test"), deviceNum: num, dueBefore: nil, at: now)
            return try #require(try env.store.registeredDevice(d.id)?.record)
        }
        func due(_ d: DeviceRecord, _ kind: String) -> Day? {
            InspectionCalendar.dueDates(of: d, type: env.catalog.types[d.type]!).first { $0.kind == kind }?.due
        }
        // A plain interval restarts from the pass.
        #expect(due(try record(env.device("boiler"), "external", .pass), "external") == today.adding(years: 1))
        #expect(due(try record(env.device("boiler"), "hydrostatic", .pass), "hydrostatic") == today.adding(years: 6))
        #expect(due(try record(env.device("forklift"), "periodic", .pass), "periodic") == today.adding(years: 1))
        let cylinder = env.device("gas_cylinder")
        let afterFill = try record(cylinder, "periodic", .pass)
        #expect(due(afterFill, "periodic")! > today)
        // An elevator's periodic pass: the self-test counts from it.
        let elevator = try record(env.device("elevator", 3), "periodic", .pass)
        #expect(elevator.lastInspections["periodic"] == today)
        // Pressure vessel: the grade sets the interval, the latest grade counts.
        let vessel = env.device("pressure_vessel")
        #expect(due(try record(vessel, "periodic", .pass, grade: 2), "periodic") == today.adding(years: 6))
        let regraded = try record(vessel, "periodic", .pass, grade: 4)
        #expect(regraded.inspectionGrade == 4)
        #expect(due(regraded, "periodic") == today.adding(years: 3))
        let failed = try record(vessel, "periodic", .fail)
        #expect(failed.failedInspections["periodic"] == today)
        #expect(Compliance.mustNotUse(failed, type: env.catalog.types["pressure_vessel"]!, today: today) == .failed(kind: "periodic", on: today))
        let grade5 = try record(vessel, "periodic", .pass, grade: 5)
        #expect(grade5.failedInspections.isEmpty)
        #expect(Compliance.mustNotUse(grade5, type: env.catalog.types["pressure_vessel"]!, today: today) == .grade(kind: "periodic", grade: 5))
        let restored = try record(vessel, "periodic", .pass, grade: 1)
        // Grade 1 (every 6 years): the periodic inspection no longer stops use (another kind may still be overdue).
        #expect(Compliance.mustNotUse(restored, type: env.catalog.types["pressure_vessel"]!, today: today)?.kind != "periodic")
        #expect(due(restored, "periodic") == today.adding(years: 6))
        // The registry's dates stay as seeded records; re-importing the fleet does not repeat them.
        let seeded = try env.count("SELECT COUNT(*) FROM inspections WHERE source = 'registry'")
        try env.store.importFleet(env.catalog.fleet, now: now)
        #expect(try env.count("SELECT COUNT(*) FROM inspections WHERE source = 'registry'") == seeded)
        #expect(seeded == Int64(env.catalog.fleet.devices.reduce(0) { $0 + $1.lastInspections.count }))
    }

    @Test("a trapped event is heard however it is stamped: after a reading from a clock 4 min ahead (a clock_skew event) and from a gateway flushing newest first (noted late)")
    func trappedWhateverTheStamp() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let notices = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/notices/+")
        defer { notices.stop() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { _ = pipeline.stop() }
        let pub = try env.publisher()
        defer { pub.stop() }
        let ahead = env.device("elevator", 1), flushed = env.device("elevator", 2)
        let now = nowMs()
        let reading = #""data":{"moving":false,"door_closed":true,"passenger_in_car":true}"#
        // One reading stamped 4 minutes ahead (inside the 5 min future tolerance), then the event.
        try pub.publish(topic: env.topic(ahead), payload: Array(#"{"ts":\#(now + 240_000),\#(reading)}"#.utf8), qos: 1)
        try pub.publish(topic: env.topic(ahead, "event"), payload: Array(#"{"ts":\#(now + 500),"code":"trapped"}"#.utf8), qos: 1)
        // A gateway back from an outage sends its newest reading first, then the older event.
        try pub.publish(topic: env.topic(flushed), payload: Array(#"{"ts":\#(now),\#(reading)}"#.utf8), qos: 1)
        try pub.publish(topic: env.topic(flushed, "event"), payload: Array(#"{"ts":\#(now - 60_000),"code":"trapped"}"#.utf8), qos: 1)
        try waitUntil(timeout: 10, "a rescue notice for each") {
            Set(notices.objects.filter { $0.json["kind"] as? String == "rescue" }.compactMap { $0.json["device"] as? String })
                == [ahead.id, flushed.id]
        }
        let alarms = try env.store.sqlRows("""
            SELECT d.id, a.fired_at, a.message FROM alarms a JOIN devices d ON d.num = a.device_num WHERE a.rule = 'elevator.trapped'
            """)
        let byDevice = Dictionary(uniqueKeysWithValues: alarms.map { (($0["id"] ?? nil) ?? "", $0) })
        #expect((byDevice[flushed.id]?["fired_at"] ?? nil).flatMap { Int64($0) } == now - 60_000)
        #expect((byDevice[flushed.id]?["message"] ?? nil)?.contains("arrived late: stamped 60 s before") == true)
        #expect(byDevice[ahead.id] != nil)
        // The rescue clock of the late one runs from when the passenger was trapped.
        let deadline = try env.count("SELECT r.deadline_at FROM rescues r JOIN alarms a ON a.id = r.alarm_id JOIN devices d ON d.num = a.device_num WHERE d.id = '\(flushed.id)'")
        #expect(deadline == now - 60_000 + 30 * 60_000)
        try waitUntil(timeout: 5, "the clock's skew is an event of the device") {
            try env.count("SELECT COUNT(*) FROM events e JOIN devices d ON d.num = e.device_num WHERE d.id = '\(ahead.id)' AND e.code = 'clock_skew'") == 1
        }
    }

    @Test("a trapped alarm sends a rescue notice to its firm only (30 min, also in Jizhou); unanswered it escalates at the deadline, reached on site it does not and its notice is closed")
    func rescueClock() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let notices = try FeedRecorder(port: env.broker.port, pattern: "equipwatch/v1/notices/+")
        defer { notices.stop() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { _ = pipeline.stop() }
        let a = env.device("elevator", 1)
        // b at the Jizhou hospital: Jizhou is a district of Tianjin (a municipality), so 30 minutes (TSG T5002-2017).
        let b = try #require(env.catalog.fleet.devices.first { $0.type == "elevator" && $0.site == "site-jizhou-hospital" && $0.firm != a.firm })
        #expect(try env.store.registry().sites.first { $0.id == b.site }?.districtLevel == .district)
        let pub = try env.publisher()
        defer { pub.stop() }
        for d in [a, b] {
            try pub.publish(topic: env.topic(d, "event"), payload: Array(#"{"ts":\#(nowMs()),"code":"trapped"}"#.utf8), qos: 1)
        }
        try waitUntil(timeout: 10, "both rescue notices on the firms' topics") {
            notices.objects.filter { $0.json["kind"] as? String == "rescue" }.count >= 2
        }
        let rescues = notices.objects.filter { $0.json["kind"] as? String == "rescue" }
        for d in [a, b] {
            let mine = rescues.filter { $0.json["device"] as? String == d.id }
            #expect(mine.count == 1)
            #expect(mine.allSatisfy { $0.topic == "equipwatch/v1/notices/\(d.firm)" })
            #expect((mine.first?.json["reason"] as? String)?.contains("within 30 min") == true)
            // The same notice in Chinese, with the trapped alarm's own Chinese message, and its code.
            #expect((mine.first?.json["reason_zh"] as? String)?.hasPrefix("困人：须在 30 分钟内") == true)
            #expect((mine.first?.json["reason_zh"] as? String)?.contains("\(d.id)（\(d.site)）困人：立即救援") == true)
            #expect(mine.first?.json["reason_code"] as? String == "alarm.rescue")
        }
        let clocks = try env.store.sqlRows("SELECT alarm_id, deadline_at - fired_at AS within, deadline_at, device_num FROM rescues ORDER BY alarm_id")
            .map { row in row.mapValues { $0.flatMap { Int64($0) } ?? 0 } }
        #expect(clocks.count == 2)
        #expect(clocks.allSatisfy { $0["within"] == 30 * 60_000 })
        let numB = try #require(try env.store.registeredDevice(b.id)?.num)
        let clockB = try #require(clocks.first { $0["device_num"] == numB })
        let alarmB = clockB["alarm_id"] ?? 0
        _ = try env.store.acknowledge(alarm: alarmB, by: "technician-li", at: wallMillis(), onSite: true, topics: Topics())
        let deadline = clocks.compactMap { $0["deadline_at"] }.max()!
        // On site closes that firm's rescue notice (acknowledged by who arrived); the other stays open.
        var rescueFilter = NoticeFilter()
        rescueFilter.kind = .rescue
        let rescueNotices = try env.store.notices(rescueFilter)
        #expect(rescueNotices.count == 2)
        #expect(rescueNotices.first { $0.device == b.id }?.status == .closed)
        #expect(rescueNotices.first { $0.device == b.id }?.ackedBy == "technician-li")
        #expect(rescueNotices.first { $0.device != b.id }?.status == .open)

        let service = Self.service(env)
        #expect(try service.check(now: deadline - 1000).escalated.isEmpty)
        let escalated = try service.check(now: deadline + 1000).escalated
        let alarmA: Int64 = try #require(clocks.first { $0["alarm_id"] != alarmB }?["alarm_id"] ?? nil)
        #expect(escalated == [alarmA])
        #expect(try service.check(now: deadline + 5000).escalated.isEmpty)   // once
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'alarm' AND payload LIKE '%rescue_deadline_missed%'") == 1)
        #expect(try env.count("SELECT COUNT(*) FROM incident_timeline WHERE kind = 'rescue_deadline_missed'") == 1)
        #expect(try env.count("SELECT COUNT(*) FROM incident_timeline WHERE kind = 'on_site'") == 1)

        let figures = RescueResponseItem.summarize(try env.store.rescues(from: 0, to: .max, scope: .supervisor), now: deadline + 1000)
        #expect(figures.first { $0.firm == a.firm }?.missed == 1)
        #expect(figures.first { $0.firm == b.firm }?.withinDeadline == 1)
        // A firm's scope sees only its own rescues.
        #expect(try env.store.rescues(from: 0, to: .max, scope: .firm(a.firm)).allSatisfy { $0.firm == a.firm })
    }

    @Test("a bridged door lock (GB 45067-2024) forbids use in the commit that stores it, through maintenance, rectification and confirmation; only the closure lifts it, with its status in the same write")
    func majorHazard() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { _ = pipeline.stop() }
        let service = Self.service(env)
        let today = LocalDays.china.day(wallMillis())
        // An elevator the inspection regime lets run, so only the hazard can stop it.
        let d = try #require(env.catalog.fleet.devices.first { d in
            d.type == "elevator" && Compliance.mustNotUse(d, type: env.catalog.types["elevator"]!, today: today) == nil
        })
        _ = try service.check(now: wallMillis(), force: true)
        let pub = try env.publisher()
        defer { pub.stop() }
        let raisedAt = nowMs()
        try pub.publish(topic: env.topic(d, "event"), payload: Array(#"{"ts":\#(raisedAt),"code":"door_lock_bridged"}"#.utf8), qos: 1)
        try waitUntil(timeout: 10, "the hazard stored with its follow-up notice") {
            try env.count("SELECT COUNT(*) FROM device_hazards WHERE closed_at IS NULL") == 1
        }
        let followup = try #require(try Self.notices(env, .faultFollowup, device: d.id).first)
        #expect(followup.reason.hasPrefix("major hazard, must not be used until rectified and the closure verified"))
        #expect(followup.firm == d.firm)
        // The commit that stored the hazard set the status: no compliance round is needed.
        func device() throws -> DeviceItem? { try env.store.devices(DeviceFilter()).first { $0.id == d.id } }
        #expect(try device()?.mustNotUse == true)
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device' AND payload LIKE '%\(d.id)%'") == 1)
        #expect(try service.check(now: wallMillis(), force: true).set.isEmpty)
        #expect(try device()?.mustNotUseReason?.hasPrefix("major hazard elevator.door_lock_bridged since") == true)
        #expect(try Self.notices(env, .inspectionOverdue, device: d.id).first?.trigger == "hazard:elevator.door_lock_bridged")
        let hazard = try #require(try env.store.hazards(HazardFilter(open: true, device: d.id)).first)

        // Maintenance done after it, whatever its items, does not lift it.
        _ = try env.store.recordMaintenance(Completion(device: d.id, firm: d.firm, items: ["door lock circuit restored"], doneAt: wallMillis(),
                                                       source: .cli, reportedAt: wallMillis()), topics: Topics())
        #expect(try service.check(now: wallMillis(), force: true).cleared.isEmpty)
        #expect(try device()?.mustNotUse == true)

        let settler = ComplianceSettlement.settler(types: env.catalog.types, topics: Topics(), days: env.store.localDays)
        func step(_ s: HazardStep, _ party: String, _ scope: Role, org: String? = nil) throws -> HazardStepResult {
            try env.store.addHazardStep(HazardStepDraft(hazard: hazard.id, step: s, party: party, by: "someone", organisation: org, note: nil,
                                                        at: wallMillis()), scope: scope, settle: settler)
        }
        // Another firm, another owner: not found; the device's firm and owner: steps, still open.
        #expect(try step(.rectified, "firm-other", .firm("firm-other")) == .notFound)
        #expect(try step(.confirmed, "owner-other", .owner("owner-other")) == .notFound)
        guard case .recorded(_, _, let changedByFirm) = try step(.rectified, d.firm, .firm(d.firm)) else { Issue.record("not recorded"); return }
        guard case .recorded(_, _, let changedByOwner) = try step(.confirmed, d.owner, .owner(d.owner)) else { Issue.record("not recorded"); return }
        #expect(!changedByFirm && !changedByOwner)
        #expect(try device()?.mustNotUse == true)
        #expect(try service.check(now: wallMillis(), force: true).cleared.isEmpty)
        #expect(try env.store.hazard(hazard.id)?.rectifiedAt != nil && env.store.hazard(hazard.id)?.confirmedAt != nil)

        // The closure lifts it at once, with the status, the notice closed and the stream's event in the same write.
        let events = try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device'")
        guard case .recorded(_, _, let changed) = try step(.closed, "supervisor", .supervisor, org: "Tianjin Special Equipment Inspection Institute") else {
            Issue.record("not recorded"); return
        }
        #expect(changed)
        #expect(try device()?.mustNotUse == false)
        #expect(try Self.notices(env, .inspectionOverdue, device: d.id).map(\.status) == [.closed])
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device'") == events + 1)
        #expect(try service.check(now: wallMillis(), force: true).cleared.isEmpty)   // already current
        let closed = try #require(try env.store.hazard(hazard.id))
        #expect(closed.status == .closed && closed.closedOrganisation == "Tianjin Special Equipment Inspection Institute")
        #expect(try env.store.hazardSteps(hazard.id).map(\.step) == [.rectified, .confirmed, .closed])
        if case .alreadyClosed = try step(.rectified, d.firm, .firm(d.firm)) {} else { Issue.record("a closed hazard took another step") }
    }

    @Test("an inspection result moves the status in its own write: a failure forbids use at once, a pass the same day (a re-inspection) lifts it")
    func inspectionStatusAtOnce() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let now = wallMillis()
        let today = LocalDays.china.day(now)
        let d = try #require(env.catalog.fleet.devices.first { d in
            d.type == "elevator" && Compliance.mustNotUse(d, type: env.catalog.types["elevator"]!, today: today) == nil
        })
        func status() throws -> DeviceItem? { try env.store.devices(DeviceFilter()).first { $0.id == d.id } }
        func record(_ result: InspectionResult) throws -> MustNotUseReason? {
            let r = InspectionRecord(device: d.id, kind: "periodic", date: today, result: result, grade: nil, inspector: "Wang",
                                     organisation: "TSEI", reportNumber: nil, source: .cli, recordedBy: "test")
            return try #require(try env.store.record(inspection: r, types: env.catalog.types, topics: Topics(), now: wallMillis())).mustNotUse
        }
        let events = try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device'")
        #expect(try record(.fail) == .failed(kind: "periodic", on: today))
        // No compliance round has run: the record's own write set the status, its notice and its event.
        #expect(try status()?.mustNotUse == true)
        #expect(try status()?.mustNotUseReason == "periodic inspection failed on \(today)")
        #expect(try Self.notices(env, .inspectionOverdue, device: d.id).map(\.status) == [.open])
        #expect(try env.count("SELECT COUNT(*) FROM outbox WHERE topic LIKE 'equipwatch/v1/owner-notices/%' AND payload LIKE '%\(d.id)%'") == 1)
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device'") == events + 1)
        // The re-inspection after repair, the same day, recorded later: may be used again at once.
        #expect(try record(.pass) == nil)
        #expect(try status()?.mustNotUse == false)
        #expect(try Self.notices(env, .inspectionOverdue, device: d.id).map(\.status) == [.closed])
        #expect(try env.count("SELECT COUNT(*) FROM changes WHERE kind = 'device'") == events + 2)
        // The periodic check finds nothing to change.
        let round = try Self.service(env).check(now: wallMillis(), force: true)
        #expect(!round.set.contains(d.id) && !round.cleared.contains(d.id))
    }

    @Test("a supervisor verifying on site closes a hazard with no other step; only the open hazard forbids use")
    func supervisorClosesAlone() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let today = LocalDays.china.day(wallMillis())
        let d = try #require(env.catalog.fleet.devices.first { d in
            d.type == "elevator" && Compliance.mustNotUse(d, type: env.catalog.types["elevator"]!, today: today) == nil
        })
        let num = try #require(try env.store.registeredDevice(d.id)?.num)
        try env.store.sqlExecute("INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?, 'elevator.door_anti_pinch_failed', 1, ?)",
                                 [num, wallMillis() - 3_600_000])
        _ = try Self.service(env).check(now: wallMillis(), force: true)
        #expect(try env.store.devices(DeviceFilter()).first { $0.id == d.id }?.mustNotUse == true)
        let hazard = try #require(try env.store.hazards(HazardFilter(open: true)).first)
        let settler = ComplianceSettlement.settler(types: env.catalog.types, topics: Topics(), days: env.store.localDays)
        let result = try env.store.addHazardStep(HazardStepDraft(hazard: hazard.id, step: .closed, party: "supervisor", by: "Zhao",
                                                                 organisation: "Bureau", note: "verified on site", at: wallMillis()),
                                                 scope: .supervisor, settle: settler)
        guard case .recorded(_, _, true) = result else { Issue.record("not closed: \(result)"); return }
        #expect(try env.store.devices(DeviceFilter()).first { $0.id == d.id }?.mustNotUse == false)
        #expect(try env.store.hazards(HazardFilter(open: true)).isEmpty)
        // Who may record which step (the CLI and the API check it): a firm never closes.
        #expect(HazardStep.closed.isAllowed(for: .supervisor) && !HazardStep.closed.isAllowed(for: .firm(d.firm)))
        #expect(!HazardStep.closed.isAllowed(for: .owner(d.owner)) && !HazardStep.rectified.isAllowed(for: .owner(d.owner)))
        #expect(HazardStep.rectified.isAllowed(for: .firm(d.firm)) && HazardStep.confirmed.isAllowed(for: .owner(d.owner)))
    }

    @Test("rescue figures per firm from a hand-built history: response to arrival (on site, or resolved first), release, p90, within the deadline, missed, running")
    func rescueFigures() {
        let m: Int64 = 60_000
        let t: Int64 = 1_780_000_000_000
        func r(_ firm: String, fired: Int64, within: Int64 = 30, onSite: Int64? = nil, resolved: Int64? = nil) -> RescueRow {
            RescueRow(firm: firm, firmName: nil, firedAt: t + fired * m, withinMs: within * m, onSiteAt: onSite.map { t + $0 * m },
                      resolvedAt: resolved.map { t + $0 * m }, escalatedAt: nil)
        }
        let rows = [
            r("a", fired: 0, resolved: 20),               // 20 min: within
            r("a", fired: 100, onSite: 125, resolved: 160), // on site at 25 min: within, resolved after 60
            r("a", fired: 200, resolved: 245),             // 45 min: missed
            r("a", fired: 300, within: 60, resolved: 350), // 50 min against 1 h: within
            r("b", fired: 1000),                           // open, deadline at 1030
            // On site after 3 min 20 s, passengers not yet released: the response is known.
            RescueRow(firm: "c", firmName: nil, firedAt: t, withinMs: 30 * m, onSiteAt: t + 200_000, resolvedAt: nil, escalatedAt: nil),
        ]
        let now = t + 1010 * m
        let s = RescueResponseItem.summarize(rows, now: now)
        #expect(s.map(\.firm) == ["a", "b", "c"])
        let a = s[0]
        #expect(a.trapped == 4 && a.resolved == 4)
        #expect(a.medianResponseMin == 25)          // arrivals 20, 25, 45, 50: nearest rank 2
        #expect(a.p90ResponseMin == 50)
        #expect(a.medianOnSiteMin == 25)
        #expect(a.medianResolvedMin == 45)          // releases 20, 45, 50, 60: nearest rank 2
        let c = s[2]
        #expect(c.medianResponseMin == 3.3 && c.medianOnSiteMin == 3.3 && c.medianResolvedMin == nil)
        #expect(c.resolved == 0 && c.withinDeadline == 1 && c.shareWithin == 1)
        #expect(a.withinDeadline == 3 && a.missed == 1 && a.running == 0)
        #expect(a.shareWithin == 0.75)
        #expect(s[1].running == 1 && s[1].missed == 0 && s[1].shareWithin == nil)
        let later = RescueResponseItem.summarize(rows, now: t + 1031 * m)
        #expect(later[1].missed == 1 && later[1].running == 0)
    }

}
