import GRDB
import DeviceCatalog
import BrokerProcess
import Commands
import Domain
import Pipeline
import Foundation
import ArgumentParser
import Settings
import Presentation
import Records
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// The first hour with EquipWatch (issue 14): lists say when they are cut, two instances do not
/// trip over each other.
@Suite("First hour: honest row counts, one run per data folder, instance client ids")
struct FirstHourTests {
    @Test("a list cut at --limit says more match; --limit 0 prints everything; JSON stays clean")
    func limitFooter() throws {
        let f = try CommandOutputTests.Fixture()
        let firm = f.catalog.fleet.devices.first { $0.type == "boiler" }!.firm
        // Before: "(1 row)" for a list of two with --limit 1, and nothing said about the other.
        let cut = try f.run(["notices", "--firm", firm, "--limit", "1"])
        #expect(cut.hasSuffix("(1 row shown; more match: --limit N shows more, --limit 0 all)\n"), "\(cut)")
        let all = try f.run(["notices", "--firm", firm, "--limit", "0"])
        #expect(all.hasSuffix("(2 rows)\n"), "\(all)")
        let exact = try f.run(["notices", "--firm", firm, "--limit", "2"])
        #expect(exact.hasSuffix("(2 rows)\n"), "\(exact)")
        let json = try f.run(["notices", "--firm", firm, "--limit", "1", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        let devices = try f.run(["devices", "--type", "boiler", "--limit", "3"])
        #expect(devices.contains("(3 rows shown; more match"))
    }

    @Test("a filter naming an unknown firm, site, type or device is not found (exit 1), with the valid ids when they are few")
    func unknownNamesAreNotFound() throws {
        let f = try CommandOutputTests.Fixture()
        // Before: each printed an empty table and exited 0.
        for (arguments, message) in [
            (["notices", "--firm", "firm-bogus"], "no firm 'firm-bogus' in the registry (firm-binhai, firm-haihe, firm-heping, firm-jinnan)"),
            (["alarms", "--type", "lift"], "no type 'lift' in the registry (boiler, elevator, escalator, forklift, gas_cylinder, pressure_vessel)"),
            (["devices", "--site", "nope"], "no site 'nope' in the registry (site-"),
            (["readings", "--device", "999999"], "no registered device 999999"),
            (["events", "--device", "999999"], "no registered device 999999"),
            (["incidents", "--device", "999999"], "no registered device 999999"),
            (["maintenance", "history", "--device", "999999"], "no registered device 999999"),
        ] {
            do {
                _ = try f.run(arguments)
                Issue.record("\(arguments) printed a table")
            } catch {
                #expect("\(error)".hasPrefix(message), "\(arguments): \(error)")
                #expect(EquipWatch.exitCode(for: error) == .failure, "\(arguments)")
            }
        }
        // A known firm with nothing to show is still an (empty) answer.
        #expect(try f.run(["alarms", "--firm", "firm-heping", "--state", "resolved"]).hasSuffix("(0 rows)\n"))
    }

    @Test("times: tables and CSV in Beijing time with the offset (or --tz, or TZ), JSON in RFC 3339 UTC, local dates read in the zone")
    func displayZone() async throws {
        let f = try CommandOutputTests.Fixture()
        // The fixture's notices were created at 1_795_000_000_000 ms = 2026-11-18T11:06:40Z.
        func run(_ arguments: [String]) async throws -> String {
            let captured = Mutex("")
            try await Console.$write.withValue({ text in captured.withLock { $0 += text } }) {
                try await EquipWatch.execute(arguments + ["--data", f.directory])
            }
            return captured.withLock { $0 }
        }
        // Before: 2026-11-18T11:06:40.000Z in every table.
        let table = try await run(["notices"])
        #expect(table.contains("2026-11-18 19:06:40+08:00"), "\(table)")
        #expect(!table.contains("11:06:40.000Z"))
        #expect(try await run(["notices", "--tz", "UTC"]).contains("2026-11-18 11:06:40+00:00"))
        #expect(try await run(["notices", "--tz", "Europe/Berlin"]).contains("2026-11-18 12:06:40+01:00"))
        #expect(try await run(["notices", "--csv"]).contains("2026-11-18T19:06:40.000+08:00"))
        #expect(try await run(["notices", "--json"]).contains("\"created_at\": \"2026-11-18T11:06:40.000Z\""))
        // A local date is midnight in the zone; an RFC 3339 time in any offset is that instant.
        let day = Day(year: 2026, month: 11, day: 26)!
        #expect(DisplayZone.shanghai.midnight(day) == Timestamp.parseRFC3339("2026-11-25T16:00:00Z"))
        #expect(DisplayZone.utc.midnight(day) == Timestamp.parseRFC3339("2026-11-26T00:00:00Z"))
        #expect(Timestamp.parseRFC3339("2026-11-26T09:00:00+08:00") == Timestamp.parseRFC3339("2026-11-26T01:00:00Z"))
        #expect(DisplayZone.shanghai.table(Timestamp.parseRFC3339("2026-11-26T09:00:00+08:00")!) == "2026-11-26 09:00:00+08:00")
        // The alarm fired at 19:06:40 Beijing time: a --from in +08:00 just before finds it, just after does not.
        #expect(try await run(["alarms", "--from", "2026-11-18T19:06:00+08:00"]).hasSuffix("(1 row)\n"))
        #expect(try await run(["alarms", "--from", "2026-11-18T19:07:00+08:00"]).hasSuffix("(0 rows)\n"))
        #expect(DisplayZone.resolve(nil, environment: ["TZ": "Asia/Urumqi"])?.name == "Asia/Urumqi")
        #expect(DisplayZone.resolve(nil, environment: [:])?.name == "Asia/Shanghai")
        #expect(DisplayZone.resolve("Nowhere/Land") == nil)
    }

    @Test("a dispatcher's queue: --due-within and --overdue list open notices soonest due first; events put the devices' own first")
    func dispatcherQueueAndEvents() throws {
        let f = try CommandOutputTests.Fixture()
        let boiler = f.catalog.fleet.devices.filter { $0.type == "boiler" }.sorted { $0.id < $1.id }[0]
        let num = try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [boiler.id])! }
        let now = wallMillis()
        var batch = CommitBatch()
        for (key, dueIn) in [("soon", 2 * 86_400_000), ("later", 5 * 86_400_000)] as [(String, Int64)] {
            batch.notices.append(NoticeDraft(key: key, deviceNum: num, device: boiler.id, type: "boiler", firm: boiler.firm,
                                             kind: .faultFollowup, trigger: "rule", reason: Prose(.faultFollowup, en: "reason \(key)", zh: "原因 \(key)"), dueBy: now + dueIn,
                                             createdAt: now, staleAfterRecord: nil, detail: "{}"))
        }
        let t = now - 3_600_000
        batch.messages = [AcceptedMessage(deviceNum: num, entryIndex: 0, kind: .event, ts: t, seq: nil, receivedAt: t,
                                          values: [], code: "flame_failure", data: "{}")]
        batch.events = (1...3).map { DerivedEvent(deviceNum: num, ts: t + Int64($0) * 1000, code: .seqGap, data: "{}", receivedAt: t) }
        try f.store.commit(batch)

        // The fixture's two notices were due on 2026-11-19 (overdue); "soon" is due in 2 days, "later" in 5.
        let queue = try f.run(["notices", "--firm", boiler.firm, "--due-within", "3d", "--json"])
        let reasons = try #require(try JSONSerialization.jsonObject(with: Data(queue.utf8)) as? [[String: Any]]).map { $0["reason"] as? String ?? "" }
        #expect(reasons == ["calendar: 27 d since the last maintenance", "usage, over threshold", "reason soon"], "\(reasons)")
        let overdue = try f.run(["notices", "--firm", boiler.firm, "--overdue", "--json"])
        #expect(try #require(try JSONSerialization.jsonObject(with: Data(overdue.utf8)) as? [[String: Any]]).count == 2)

        let events = try f.run(["events", "--device", boiler.id, "--json"])
        let codes = try #require(try JSONSerialization.jsonObject(with: Data(events.utf8)) as? [[String: Any]]).map { $0["code"] as? String ?? "" }
        #expect(codes == ["flame_failure", "seq_gap", "seq_gap", "seq_gap"], "\(codes)")
        let derived = try f.run(["events", "--device", boiler.id, "--source", "pipeline", "--json"])
        #expect(try #require(try JSONSerialization.jsonObject(with: Data(derived.utf8)) as? [[String: Any]]).count == 3)
    }

    /// Runs `equipwatch ARGS` in-process, async commands included; returns the error it stopped with.
    static func failure(_ arguments: [String]) async -> String? {
        do {
            var command = try EquipWatch.parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("a second run on the same data folder is refused with the holder's pid; an HTTP address in use is refused")
    func oneRunPerDataFolder() async throws {
        let directory = NSTemporaryDirectory() + "ew-lock-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let held = try InstanceGuard.Lock(dataDirectory: directory)
            let refused = await Self.failure(["run", "--data", directory, "--broker", "127.0.0.1:9", "--http", "127.0.0.1:18089"])
            #expect(refused?.contains("another equipwatch run is using the data folder \(directory) (pid \(getpid()))") == true, "\(refused ?? "started")")
            withExtendedLifetime(held) {}
        }
        // Free again; now the HTTP address is the problem: a broker listens there.
        let broker = try TestBroker()
        defer { broker.stop() }
        let port = broker.port
        let busy = await Self.failure(["run", "--data", directory, "--broker", "127.0.0.1:9", "--http", "127.0.0.1:\(port)"])
        #expect(busy?.contains("the HTTP address 127.0.0.1:\(port) is in use") == true, "\(busy ?? "started")")
    }

    @Test("MQTT client ids: one per data folder, the same across restarts")
    func clientIds() {
        let a = InstanceGuard.clientId(dataDirectory: "/srv/a/data")
        #expect(a == InstanceGuard.clientId(dataDirectory: "/srv/a/./data"))
        #expect(a != InstanceGuard.clientId(dataDirectory: "/srv/b/data"))
        #expect(a.hasPrefix("equipwatch-") && a.count == "equipwatch-".count + 8)
        #expect(InstanceGuard.clientId(dataDirectory: "/srv/a/data", prefix: "equipwatch-sim").hasPrefix("equipwatch-sim-"))
    }

    @Test("MQTT client ids survive a symlink to the data folder and, once remembered by the folder, a move")
    func clientIdsThroughSymlinks() throws {
        let root = NSTemporaryDirectory() + "ew-ids-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/real/data", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/real")
        let real = InstanceGuard.clientId(dataDirectory: root + "/real/data")
        #expect(InstanceGuard.clientId(dataDirectory: root + "/link/data") == real)
        InstanceGuard.remember(clientId: real, dataDirectory: root + "/real/data")
        try FileManager.default.moveItem(atPath: root + "/real", toPath: root + "/moved")
        #expect(InstanceGuard.clientId(dataDirectory: root + "/moved/data") == real)
        InstanceGuard.remember(clientId: "other", dataDirectory: root + "/moved/data")   // remembered once
        #expect(InstanceGuard.clientId(dataDirectory: root + "/moved/data") == real)
    }
}
