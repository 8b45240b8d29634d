import GRDB
import ArgumentParser
import Commands
import DeviceCatalog
import Domain
import Foundation
import Inspection
import Pipeline
import Rules
import SourceFiles
import Records
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// The commands run in-process against a real store file, their output captured through
/// `Console`: what a person or a script reads, checked as they would read it.
@Suite("Command output (real SQLite store, in-process commands)", .sqliteOnly)
struct CommandOutputTests {
    /// A store with the sample fleet, one firing alarm with an incident and two notices.
    final class Fixture: Sendable {
        let directory = NSTemporaryDirectory() + "ew-cli-\(UUID().uuidString)"
        let catalog: Catalog
        let store: SQLiteStore

        init() throws {
            catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
            store = try SQLiteStore(path: directory + "/equipwatch.sqlite")
            try store.importFleet(catalog.fleet, now: 1)
            let boiler = catalog.fleet.devices.filter { $0.type == "boiler" }.sorted { $0.id < $1.id }[0]
            let num = try store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [boiler.id])! }
            let t0: Int64 = 1_795_000_000_000
            let alarm = Alarm(id: 1, deviceNum: num, device: boiler.id, type: "boiler", site: boiler.site, firm: boiler.firm,
                              rule: "boiler.low_water", family: "boiler.low_water", pack: "0123456789abcdef", severity: .critical,
                              state: .firing, startedAt: t0, firedAt: t0, resolvedAt: nil, repeats: 0, lastAt: t0,
                              message: "low water, 12 mm", messageZh: "缺水：水位 12 mm", inputs: #"{"water_level_mm":12}"#,
                              incidentId: 1)
            var batch = CommitBatch()
            batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true), payload: "{}")]
            for (i, reason) in ["calendar: 27 d since the last maintenance", "usage, over threshold"].enumerated() {
                batch.notices.append(NoticeDraft(key: "k\(i)", deviceNum: num, device: boiler.id, type: "boiler", firm: boiler.firm,
                                                 kind: .maintenanceDue, trigger: "calendar", reason: Prose(.maintenanceCalendar, en: reason, zh: reason), dueBy: t0 + 86_400_000,
                                                 createdAt: t0 + Int64(i), staleAfterRecord: nil, detail: #"{"days":27}"#))
            }
            try store.commit(batch)
        }

        /// Runs `equipwatch ARGS --data DIR` and returns what it printed; in English unless the
        /// arguments name a language (the test machine's LANG does not decide).
        func run(_ arguments: [String]) throws -> String {
            let captured = Mutex("")
            let language = arguments.contains("--lang") ? [] : ["--lang", "en"]
            try Console.$write.withValue({ text in captured.withLock { $0 += text } }) {
                var command = try EquipWatch.parseAsRoot(arguments + ["--data", directory] + language)
                try command.run()
            }
            return captured.withLock { $0 }
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test("devices fits 120 characters with names beside ids beneath each row; --wide has every column on one line")
    func devicesTable() throws {
        let f = try Fixture()
        let out = try f.run(["devices", "--type", "boiler"])
        let lines = out.split(separator: "\n").map(String.init)
        let boilers = f.catalog.fleet.devices.filter { $0.type == "boiler" }
        #expect(lines.first?.hasPrefix("id") == true)
        #expect(lines.first?.contains("risk_grade") == true)
        #expect(lines.last == "(\(boilers.count) rows)")
        for line in lines { #expect(line.count <= 120, "\(line.count): \(line)") }
        let sites = Dictionary(uniqueKeysWithValues: f.catalog.fleet.sites.map { ($0.id, $0.name) })
        for d in boilers {
            let row = try #require(lines.firstIndex { $0.hasPrefix(d.id + " ") }, "\(d.id)")
            // The prose beneath: the site's name with its id (wrapped lines joined back).
            let beneath = lines[(row + 1)...].prefix { $0.hasPrefix("    ") }.map { $0.dropFirst(4) }.joined(separator: " ")
            #expect(beneath.contains("\(sites[d.site] ?? "?") (\(d.site))"), "\(beneath)")
        }
        #expect(!out.contains("elevator"))

        let wide = try f.run(["devices", "--type", "boiler", "--wide"]).split(separator: "\n").map(String.init)
        #expect(wide.count == boilers.count + 3)  // header, rule, rows, count
        for column in DeviceItem.columnNames { #expect(wide.first?.contains(column) == true, "\(column)") }
        #expect(wide.dropFirst(2).first.map { $0.count > 120 } == true)
    }

    @Test("alarms --json is an array of objects with the API's keys, times as RFC 3339 and inputs nested")
    func alarmsJSON() throws {
        let f = try Fixture()
        let out = try f.run(["alarms", "--json", "--state", "open"])
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
        #expect(objects.count == 1)
        let a = try #require(objects.first)
        #expect(Set(a.keys) == Set(AlarmItem.columnNames))
        #expect(a["state"] as? String == "firing")
        #expect(a["severity"] as? String == "critical")
        #expect((a["started_at"] as? String).flatMap(Timestamp.parseRFC3339) == 1_795_000_000_000)
        #expect((a["inputs"] as? [String: Any])?["water_level_mm"] as? Int == 12)
        #expect(a["acked_by"] is NSNull)
        #expect(try f.run(["alarms", "--json", "--state", "resolved"]).trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test("--lang zh reads alarm messages and incident titles in Chinese, --lang en in English; a wrong language is refused")
    func readersLanguage() throws {
        let f = try Fixture()
        func message(_ arguments: [String]) throws -> String? {
            let out = try f.run(arguments + ["--json"])
            return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])?.first.flatMap { $0["message"] ?? $0["title"] } as? String
        }
        #expect(try message(["alarms", "--lang", "zh"]) == "缺水：水位 12 mm")
        #expect(try message(["alarms", "--lang", "en"]) == "low water, 12 mm")
        #expect(try message(["incidents", "--lang", "zh"]) == "缺水：水位 12 mm")
        #expect(try f.run(["alarms", "--lang", "zh"]).contains("缺水：水位 12 mm"))
        do {
            _ = try f.run(["alarms", "--lang", "fr"])
            Issue.record("--lang fr was accepted")
        } catch { #expect("\(error)".contains("fr")) }
    }

    @Test("notices: a reason longer than a line is wrapped beneath its row, every word kept, no line past 120 characters")
    func noticesWrapped() throws {
        let f = try Fixture()
        let longReason = (1...30).map { "word\($0)" }.joined(separator: " ") + " end-of-the-reason"
        let boiler = try #require(f.catalog.fleet.devices.first { $0.type == "boiler" })
        let num = try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [boiler.id]) }
        var batch = CommitBatch()
        batch.notices = [NoticeDraft(key: "long", deviceNum: try #require(num), device: boiler.id, type: "boiler", firm: boiler.firm,
                                     kind: .maintenanceDue, trigger: "calendar", reason: Prose(.maintenanceCalendar, en: longReason, zh: longReason), dueBy: nil, createdAt: 2,
                                     staleAfterRecord: nil, detail: "{}")]
        try f.store.commit(batch)
        let lines = try f.run(["notices", "--status", "open"]).split(separator: "\n").map(String.init)
        for line in lines { #expect(line.count <= 120, "\(line.count): \(line)") }
        let prose = lines.filter { $0.hasPrefix("    ") }.map { $0.dropFirst(4) }.joined(separator: " ")
        #expect(prose.contains(longReason))
        #expect(lines.last == "(3 rows)")
    }

    @Test("stats: rescue response per firm fits 120 characters, the firm's name and the response minutes beneath its row")
    func statsRescueTable() throws {
        let f = try Fixture()
        let elevator = try #require(f.catalog.fleet.devices.first { $0.type == "elevator" })
        let num = try #require(try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [elevator.id]) })
        let t0: Int64 = 1_795_000_000_000
        var batch = CommitBatch()
        batch.notices = [NoticeDraft(key: "rescue:9", deviceNum: num, device: elevator.id, type: "elevator", firm: elevator.firm, kind: .rescue,
                                     trigger: "elevator.trapped", reason: Prose(.rescue, en: "passengers trapped", zh: "困人"), dueBy: t0 + 1_800_000, createdAt: t0,
                                     staleAfterRecord: nil, detail: "{}", rescue: RescueStart(alarmId: 9, firedAt: t0, withinMs: 1_800_000))]
        try f.store.commit(batch)
        try f.store.write { db in try db.execute(sql: "UPDATE rescues SET resolved_at = ? WHERE alarm_id = 9", arguments: [t0 + 20 * 60_000]) }
        let out = try f.run(["stats", "--from", "2026-11-01", "--to", "2026-12-01"])   // t0 is 2026-11-18 19:06 Beijing
        let lines = out.split(separator: "\n").map(String.init)
        for line in lines { #expect(line.count <= 120, "\(line.count): \(line)") }
        let section = try #require(out.components(separatedBy: "== rescue_response ==").last?.components(separatedBy: "==").first)
        #expect(section.contains("\n\(elevator.firm)  1        1         1"), "\(section)")
        #expect(section.contains("median_response_min 20 · p90_response_min 20"), "\(section)")
        #expect(!section.contains("…"))
    }

    @Test("Chinese text is measured in terminal columns: a reason without spaces wraps within 120 columns, every character kept")
    func chineseTextFitsColumns() throws {
        let f = try Fixture()
        let reason = String(repeating: "维保单位未在规定期限内完成半月维保项目，", count: 12) + "请尽快处理"
        let boiler = try #require(f.catalog.fleet.devices.first { $0.type == "boiler" })
        let num = try #require(try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [boiler.id]) })
        var batch = CommitBatch()
        batch.notices = [NoticeDraft(key: "zh", deviceNum: num, device: boiler.id, type: "boiler", firm: boiler.firm,
                                     kind: .maintenanceOverdue, trigger: "calendar", reason: Prose(.maintenanceCalendar, en: reason, zh: reason), dueBy: nil, createdAt: 3,
                                     staleAfterRecord: nil, detail: "{}")]
        try f.store.commit(batch)
        // A terminal shows a CJK ideograph or fullwidth comma two columns wide.
        func columns(_ line: Substring) -> Int {
            line.unicodeScalars.reduce(0) { $0 + ((0x4E00...0x9FFF).contains($1.value) || (0xFF00...0xFF60).contains($1.value) ? 2 : 1) }
        }
        let lines = try f.run(["notices", "--kind", "maintenance_overdue"]).split(separator: "\n")
        for line in lines { #expect(columns(line) <= 120, "\(columns(line)) columns: \(line)") }
        let prose = lines.filter { $0.hasPrefix("    ") }.map { $0.dropFirst(4) }.joined()
        #expect(prose.contains(reason))
        #expect(lines.filter { $0.hasPrefix("    ") }.count >= 5)
    }

    @Test("notices --csv has the column header and quotes a reason that holds a comma")
    func noticesCSV() throws {
        let f = try Fixture()
        let out = try f.run(["notices", "--csv", "--status", "open"])
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.first == NoticeItem.columnNames.joined(separator: ","))
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains(#""usage, over threshold""#) })
        #expect(lines.contains { $0.contains("calendar: 27 d since the last maintenance") && !$0.contains(#""calendar"#) })
    }

    @Test("asking for something that does not exist fails with a clear error; a wrong value lists the allowed ones")
    func notFoundAndBadValues() throws {
        let f = try Fixture()
        #expect(throws: (any Error).self) { try f.run(["incidents", "show", "99"]) }
        do { _ = try f.run(["incidents", "show", "99"]) } catch { #expect("\(error)" == "no incident 99") }
        do {
            _ = try f.run(["devices", "--grade", "purple"])
            Issue.record("--grade purple was accepted")
        } catch {
            let message = EquipWatch.message(for: error)
            #expect(message.contains("purple"))
            #expect(message.contains("'blue', 'yellow', 'orange' or 'red'"))
        }
        #expect(try f.run(["incidents", "show", "1"]).contains("opened"))
    }

    @Test("inspections record: devices show says at once what the record did (a failure forbids use, a same-day pass lifts it); hazards through the CLI")
    func statusAtOnceAndHazardsByCLI() throws {
        let f = try Fixture()
        let devices = ["--devices", repositoryRoot + "/Devices"]
        let types = f.catalog.types
        let today = LocalDays.china.day(wallMillis())
        let d = try #require(f.catalog.fleet.devices.first { d in
            d.type == "elevator" && Compliance.mustNotUse(d, type: types["elevator"]!, today: today) == nil
        })
        func mustNotUse() throws -> Bool? {
            let show = try JSONSerialization.jsonObject(with: Data(try f.run(["devices", "show", d.id, "--json"] + devices).utf8)) as? [String: Any]
            return ((show?["device"] as? [[String: Any]])?.first?["must_not_use"] as? Bool)
        }
        #expect(try mustNotUse() == false)
        let failed = try f.run(["inspections", "record", "--device", d.id, "--kind", "periodic", "--date", today.description,
                                "--result", "fail", "--by", "Zhao", "--inspector", "Wang Lei", "--organisation", "TSEI"] + devices)
        #expect(failed.contains("the device must not be used: periodic inspection failed on \(today)"))
        #expect(try mustNotUse() == true)   // no compliance check has run: the record wrote it
        let zh = try f.run(["devices", "--must-not-use", "--lang", "zh", "--json"] + devices)
        let row = (try JSONSerialization.jsonObject(with: Data(zh.utf8)) as? [[String: Any]])?.first { $0["id"] as? String == d.id }
        #expect(row?["must_not_use_reason"] as? String == "定期检验不合格（\(today)），复检合格前禁止使用")
        let passed = try f.run(["inspections", "record", "--device", d.id, "--kind", "periodic", "--date", today.description,
                                "--result", "pass", "--by", "Zhao", "--inspector", "Wang Lei", "--organisation", "TSEI"] + devices)
        #expect(passed.contains("the device may be used"))
        #expect(try mustNotUse() == false)

        // A hazard: the firm's rectification and the owner's confirmation leave it open; the closure lifts it.
        let num = try #require(try f.store.registeredDevice(d.id)?.num)
        try f.store.write { db in
            try db.execute(sql: "INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?, 'elevator.door_lock_bridged', 7, ?)",
                           arguments: [num, wallMillis()])
        }
        let id = try #require(try f.store.hazards(HazardFilter(open: true)).first?.id)
        #expect(try f.run(["hazards", "--open"]).contains(d.id))
        do {
            _ = try f.run(["hazards", "rectify", "\(id)", "--firm", "firm-nobody", "--by", "Wang"] + devices)
            Issue.record("another firm rectified the hazard")
        } catch { #expect("\(error)" == "no hazard \(id) of firm-nobody") }
        #expect(try f.run(["hazards", "rectify", "\(id)", "--firm", d.firm, "--by", "Wang"] + devices).contains("stays open"))
        #expect(try f.run(["hazards", "confirm", "\(id)", "--owner", d.owner, "--by", "Li"] + devices).contains("stays open"))
        #expect(try f.run(["hazards", "close", "\(id)", "--by", "Zhao", "--organisation", "TSEI"] + devices).contains("the hazard is closed"))
        let timeline = try f.run(["hazards", "show", "\(id)"])
        #expect(timeline.contains("rectified") && timeline.contains("confirmed") && timeline.contains("TSEI"))
        #expect(try f.run(["hazards", "--open"]).contains("(0 rows)") || !(try f.run(["hazards", "--open"]).contains(d.id)))
        do {
            _ = try f.run(["hazards", "close", "\(id)", "--by", "Zhao", "--organisation", "TSEI"] + devices)
            Issue.record("a closed hazard was closed again")
        } catch { #expect("\(error)".contains("was closed by Zhao")) }
    }

    @Test("accidents record prints the class (2 deaths general, 3 larger, held 2 h general); errors name the flag; the list by year, and update by the investigation")
    func accidentsByCLI() throws {
        let f = try Fixture()
        let rules = ["--rules", repositoryRoot + "/Rules"]
        let elevator = try #require(f.catalog.fleet.devices.sorted { $0.id < $1.id }.first { $0.type == "elevator" })
        let out = try f.run(["accidents", "record", "--device", elevator.id, "--at", "2026-03-05 14:30", "--deaths", "2", "--by", "Li Na"] + rules)
        #expect(out.contains("accident 1 recorded: general (一般事故); reported after the 1h limit"), "\(out)")
        let json = try f.run(["accidents", "record", "--device", elevator.id, "--at", "2026-03-06T08:00:00+08:00", "--deaths", "3", "--json"] + rules)
        let row = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first
        #expect(row?["class"] as? String == "larger" && row?["occurred_at"] as? String == "2026-03-06T00:00:00.000Z")
        let held = try f.run(["accidents", "record", "--device", elevator.id, "--at", "2026-03-07", "--special-case", "elevator_held", "--json"] + rules)
        #expect((try JSONSerialization.jsonObject(with: Data(held.utf8)) as? [[String: Any]])?.first?["class"] as? String == "general")
        do {
            _ = try f.run(["accidents", "record", "--device", elevator.id, "--at", "2026-03-07", "--special-case", "crane_overturn", "--owner", "owner-nobody"] + rules)
            Issue.record("a device outside the owner's scope was recorded")
        } catch { #expect("\(error)".contains("--device: no device \(elevator.id) is registered within your scope"), "\(error)") }
        do {
            _ = try f.run(["accidents", "record", "--device", elevator.id, "--at", "2026-03-07", "--deaths=-2"] + rules)
            Issue.record("negative deaths accepted")
        } catch { #expect("\(error)".contains("--deaths: must be from 0"), "\(error)") }
        let list = try f.run(["accidents", "--year", "2026", "--json"] + rules)
        #expect((try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])?.count == 3)
        #expect(try f.run(["accidents", "--year", "2025"] + rules).contains("(0 rows)"))
        let updated = try f.run(["accidents", "update", "1", "--status", "investigating", "--deaths", "10", "--cause", "brake", "--json"] + rules)
        let u = (try JSONSerialization.jsonObject(with: Data(updated.utf8)) as? [[String: Any]])?.first
        #expect(u?["class"] as? String == "major" && u?["status"] as? String == "investigating")
        let stats = try f.run(["stats", "--year", "2026", "--json"])
        let sections = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any])
        let byClass = (sections["accidents_by_class"] as? [[String: Any]])?.map { "\($0["key"] ?? "") \($0["accidents"] ?? "")" }.sorted()
        #expect(byClass == ["general 1", "larger 1", "major 1"])
    }

    @Test("certificates and insurance by the CLI: the sample files import; a T certificate of the firm signs an elevator's maintenance, none, an expired one or a P one does not; expiring within 90 days; coverage per owner")
    func peopleByCLI() throws {
        let f = try Fixture()
        let people = repositoryRoot + "/Devices/people/"
        let text = try String(contentsOfFile: people + "certificates.yaml", encoding: .utf8)
        let sample = try PeopleFiles.certificates(text: text, file: "certificates.yaml", validYears: 4)
        #expect(try f.run(["certificates", "import", people + "certificates.yaml"]).contains("imported \(sample.count) certificate(s)"))
        #expect(try f.run(["insurance", "import", people + "insurance.yaml"]).contains("insurance policies from"))
        let elevator = try #require(f.catalog.fleet.devices.sorted { $0.id < $1.id }.first { $0.type == "elevator" && $0.firm == "firm-haihe" })
        let done = ["maintenance", "done", "--device", elevator.id, "--firm", "firm-haihe", "--items", "lubrication", "--at", "2026-11-02"]
        for (cert, reason) in [(nil, "no worker certificate named; this work needs a valid T (elevator repair) certificate"),
                               ("TJ-T-2022-0202", "certificate TJ-T-2022-0202 is valid until 2026-05-09, not on 2026-11-02"),
                               ("TJ-P-2024-0311", "certificate TJ-P-2024-0311 is for P (gas cylinder filling); this work needs T (elevator repair)"),
                               ("TJ-T-2024-0201", "certificate TJ-T-2024-0201 belongs to a worker of another employer than firm:firm-haihe"),
                               ("NO-SUCH", "certificate NO-SUCH is not in the registry")] as [(String?, String)] {
            do {
                _ = try f.run(done + (cert.map { ["--worker-cert", $0] } ?? []))
                Issue.record("maintenance with \(cert ?? "no certificate") was recorded")
            } catch { #expect("\(error)".contains(reason), "\(error)") }
        }
        #expect(try f.run(done + ["--worker-cert", "TJ-T-2023-0101"]).contains("maintenance record 1 for \(elevator.id)"))
        #expect(try f.store.read { db in try String.fetchAll(db, sql: "SELECT worker_cert FROM maintenance_records") } == ["TJ-T-2023-0101"])
        // Expiring within 90 days (or already ended), soonest first, as the sample's dates fall today.
        let today = LocalDays.china.day(wallMillis())
        let expected = sample.filter { today.days(to: $0.validUntil) <= 90 }.map(\.number).sorted()
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(try f.run(["certificates", "--expiring-within", "90", "--json"]).utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["number"] as? String }.sorted() == expected)
        #expect(rows.allSatisfy { ($0["days_left"] as? Int ?? 999) <= 90 && $0["item_name"] is String })
        #expect(rows.contains { $0["number"] as? String == "TJ-T-2022-0202" && $0["status"] as? String == "expired" })
        // Coverage: the owner with no policy has none of its elevators insured; every district and owner has a row.
        let coverage = try #require(try JSONSerialization.jsonObject(with: Data(try f.run(["insurance", "coverage", "--json"]).utf8)) as? [[String: Any]])
        let xiqing = try #require(coverage.first { $0["dimension"] as? String == "owner" && $0["key"] as? String == "owner-xiqing-newtown-pm" })
        #expect(xiqing["type"] as? String == "elevator" && xiqing["insured"] as? Int == 0
                && xiqing["devices"] as? Int == f.catalog.fleet.devices.filter { $0.owner == "owner-xiqing-newtown-pm" && $0.type == "elevator" }.count)
        #expect(coverage.contains { $0["dimension"] as? String == "district" })
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(try f.run(["stats", "--json"]).utf8)) as? [String: Any])
        #expect((stats["insurance_coverage"] as? [[String: Any]])?.count == coverage.count)
        // A bad file is refused with its line, and nothing of it is stored.
        let bad = f.directory + "/bad.yaml"
        try "certificates:\n  - {number: X1, holder: A, item: T, issued: 2024-01-01, authority: B, employer: \"firm:firm-nobody\"}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        do { _ = try f.run(["certificates", "import", bad]); Issue.record("an unknown employer was imported") }
        catch { #expect("\(error)".contains("no registered firm firm-nobody"), "\(error)") }
    }

    @Test("upgrades: --version names the schema; a query refuses an older store and names `store migrate`, which backs it up and migrates; a newer store is refused by every command")
    func upgradeByCLI() throws {
        let f = try Fixture()
        #expect(EquipWatch.version.hasPrefix("equipwatch ") && EquipWatch.version.contains("store schema v22-people"))
        let path = f.directory + "/equipwatch.sqlite"
        // What a v21 binary left: no people tables, no worker_cert column, no v22 row.
        let raw = try DatabaseQueue(path: path)
        try raw.write { db in
            for table in ["certificates", "insurance_policies", "people_reminders", "owner_staff", "routine_records"] { try db.execute(sql: "DROP TABLE \(table)") }
            try db.execute(sql: "ALTER TABLE maintenance_records DROP COLUMN worker_cert")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v22-people'")
        }
        do { _ = try f.run(["devices"]); Issue.record("a query ran on an older store") }
        catch { #expect("\(error)".contains("has an older schema than this binary's (it lacks v22-people): `equipwatch store migrate` upgrades it"), "\(error)") }
        #expect(try raw.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations WHERE identifier = 'v22-people'") } == 0)
        let migrated = try f.run(["store", "migrate"])
        #expect(migrated.contains("migrated the store's schema to v22-people: applied v22-people; the store as it was is backed up in \(path).before-v22-people-"), "\(migrated)")
        let backup = try #require(try FileManager.default.contentsOfDirectory(atPath: f.directory).first { $0.hasPrefix("equipwatch.sqlite.before-v22-people-") })
        let old = try DatabaseQueue(path: f.directory + "/" + backup)
        #expect(try old.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations WHERE identifier = 'v22-people'") } == 0)
        #expect(try old.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM devices") } == f.catalog.fleet.devices.count)
        #expect(try f.run(["devices", "--limit", "1"]).contains("(1 row"))
        #expect(try f.run(["store", "migrate"]).contains("the store's schema is current (v22-people); nothing to migrate"))
        // A newer binary's store: refused by queries and by migrate alike.
        try raw.write { db in try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-future')") }
        for command in [["devices"], ["store", "migrate"]] {
            do { _ = try f.run(command); Issue.record("\(command) ran on a newer store") }
            catch { #expect("\(error)".contains("has a newer schema than this binary's (v99-future)"), "\(error)") }
        }
    }

    @Test("audit verify: exit 0 on an untouched store; after a timeline entry is edited outside EquipWatch, exit 1 naming its entry; export writes the bundle")
    func auditByCLI() throws {
        let f = try Fixture()
        #expect(try f.run(["audit", "seal"]).contains("rows sealed"))
        let clean = try f.run(["audit", "verify"])
        #expect(clean.contains("every link holds") && clean.contains("sealed rows match"), "\(clean)")
        let id = try #require(try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM incident_timeline ORDER BY id LIMIT 1") })
        let seq = try #require(try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT audit_seq FROM incident_timeline WHERE id = ?", arguments: [id]) })
        let out = f.directory + "/bundle"
        #expect(try f.run(["audit", "export", "--incident", "1", "--out", out]).contains("verify.py"))
        #expect(FileManager.default.fileExists(atPath: out + "/chain.jsonl") && FileManager.default.fileExists(atPath: out + "/verify.py"))
        try f.store.write { db in try db.execute(sql: "UPDATE incident_timeline SET detail = 'edited' WHERE id = ?", arguments: [id]) }
        do {
            _ = try f.run(["audit", "verify"])
            Issue.record("an edited timeline verified")
        } catch let e as ExitCode {
            #expect(e == ExitCode(1))
        }
        let json = try? f.run(["audit", "verify", "--json"])
        #expect(json == nil)   // exit 1 as well
        let heads = try f.run(["audit", "heads", "--json"])
        let lastHead = (try JSONSerialization.jsonObject(with: Data(heads.utf8)) as? [[String: Any]])?.last
        #expect(lastHead?["seq"] as? Int == Int(try #require(try f.store.auditTip()).seq) && seq >= 1, "\(heads)")
    }

    @Test("a 90-day plan of the sample fleet: nothing due after its end, no self-test on an inspector, no inspector over the day's capacity")
    func sampleFleetPlan() throws {
        let f = try Fixture()
        let from = LocalDays.china.day(wallMillis())
        let to = from.adding(days: 90)
        let json = try f.run(["schedule", "--from", from.description, "--to", to.description, "--inspectors", "2", "--per-day", "4",
                              "--format", "json", "--devices", repositoryRoot + "/Devices"])
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let visits = try #require(plan["visits"] as? [[String: Any]])
        #expect(!visits.isEmpty)
        var perInspectorDay: [String: Int] = [:]
        for v in visits {
            let items = try #require(v["items"] as? [[String: Any]])
            perInspectorDay["\(v["date"] ?? "") \(v["inspector"] ?? "")", default: 0] += items.count
            for item in items {
                #expect(item["kind"] as? String != "self_test", "\(item)")
                let due = try #require((item["due"] as? String).flatMap(Day.init(parsing:)))
                #expect(due <= to, "\(item)")
            }
        }
        #expect(perInspectorDay.values.allSatisfy { $0 <= 4 }, "\(perInspectorDay.filter { $0.value > 4 })")
        let duties = try #require(plan["owner_duties"] as? [[String: Any]])
        #expect(duties.allSatisfy { $0["kind"] as? String == "self_test" && ($0["owner"] as? String)?.hasPrefix("owner-") == true })
        #expect(!duties.isEmpty)
        let summary = try #require(plan["summary"] as? [String: Any])
        #expect(summary["capacity"] as? Int == (summary["working_days"] as? Int ?? 0) * 8)
    }
}
