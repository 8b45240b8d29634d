import ArgumentParser
import Commands
import DeviceCatalog
import Domain
import Foundation
import GRDB
import Records
import Services
import Storage
import Testing
import TestSupport

/// What a person reads in a terminal: tables that never cut an id, a time or a code; errors that
/// are not usage errors exit 1 with their own message; an incident told as a story.
@Suite("Terminal output: nothing cut, errors with their own exit code, incidents as stories", .sqliteOnly)
struct TerminalOutputTests {
    typealias Fixture = CommandOutputTests.Fixture

    /// Terminal columns of a line (a CJK character takes two).
    static func columns(_ line: Substring) -> Int {
        line.unicodeScalars.reduce(0) { $0 + ((0x4E00...0x9FFF).contains($1.value) || (0xFF00...0xFF60).contains($1.value) ? 2 : 1) }
    }

    /// Every whitespace-separated token of `text`, so a value can be found whole.
    static func tokens(_ text: String) -> Set<Substring> { Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" })) }

    @Test("inspections due: every device code and due date whole on the row's line, the site and basis beneath, no line past 120 columns; --owner keeps that owner's devices")
    func inspectionsDueWhole() throws {
        let f = try Fixture()
        let json = try JSONSerialization.jsonObject(with: Data(try f.run(["inspections", "due", "--within", "3650", "--json"]).utf8)) as? [[String: Any]] ?? []
        #expect(json.count > 20)
        let table = try f.run(["inspections", "due", "--within", "3650"])
        let lines = table.split(separator: "\n")
        for line in lines { #expect(Self.columns(line) <= 120, "\(line)") }
        #expect(!table.contains("…"))
        let rowLines = lines.filter { !$0.hasPrefix("    ") }
        for item in json {
            let device = try #require(item["device"] as? String), due = try #require(item["due"] as? String)
            // The device code and its due date on one row's line, both whole.
            #expect(rowLines.contains { Self.tokens(String($0)).isSuperset(of: [Substring(device), Substring(due)]) }, "\(device) \(due)")
        }
        let owner = try #require(json.first?["owner"] as? String)
        let mine = try JSONSerialization.jsonObject(with: Data(try f.run(["inspections", "due", "--within", "3650", "--owner", owner, "--json"]).utf8))
            as? [[String: Any]] ?? []
        #expect(!mine.isEmpty && mine.count < json.count)
        #expect(mine.allSatisfy { $0["owner"] as? String == owner })
        #expect(mine.count == json.filter { $0["owner"] as? String == owner }.count)
        let devices = try f.run(["devices", "--owner", owner, "--csv"]).split(separator: "\n").dropFirst()
        #expect(!devices.isEmpty && Set(devices.map { String($0.split(separator: ",")[0]) }) == Set(mine.compactMap { $0["device"] as? String }))
        do { _ = try f.run(["inspections", "due", "--owner", "owner-nobody"]); Issue.record("an unknown owner was accepted") } catch {
            #expect("\(error)".contains("no owner 'owner-nobody'"))
        }
    }

    @Test("schedule and alarms: device codes and rule ids are never cut; a list too wide moves columns beneath its row, whole")
    func planAndAlarmsWhole() throws {
        let f = try Fixture()
        let plan = try f.run(["schedule", "--from", "2026-12-01", "--to", "2027-02-28", "--inspectors", "2"])
        let planJSON = try JSONSerialization.jsonObject(with: Data(try f.run(["schedule", "--from", "2026-12-01", "--to", "2027-02-28", "--inspectors", "2",
                                                                             "--format", "json"]).utf8)) as? [String: Any] ?? [:]
        let visits = planJSON["visits"] as? [[String: Any]] ?? []
        let devices = visits.flatMap { ($0["items"] as? [[String: Any]] ?? []).compactMap { $0["device"] as? String } }
        #expect(!devices.isEmpty)
        let words = Self.tokens(plan)
        for d in devices { #expect(words.contains(Substring(d)), "\(d)") }
        for line in plan.split(separator: "\n") { #expect(Self.columns(line) <= 120, "\(line)") }
        let alarms = try f.run(["alarms"])
        #expect(Self.tokens(alarms).contains("boiler.low_water"))
        #expect(!alarms.contains("…"))
    }

    @Test("errors that are not usage errors exit 1 with their own message: an unknown alarm, a token for an unknown firm")
    func exitCodes() throws {
        let f = try Fixture()
        for (arguments, words) in [(["alarms", "ack", "999", "--by", "x"], "no alarm 999"),
                                   (["tokens", "create", "--role", "firm:firm-nobody"], "no firm 'firm-nobody'")] {
            do {
                _ = try f.run(arguments)
                Issue.record("\(arguments) succeeded")
            } catch {
                #expect(EquipWatch.exitCode(for: error) == .failure, "\(arguments)")
                #expect(EquipWatch.message(for: error).contains(words))
                #expect(!EquipWatch.fullMessage(for: error).contains("Usage:"))
            }
        }
        // A real usage error keeps its code and its usage line.
        do { _ = try f.run(["tokens", "create", "--role", "boss"]); Issue.record("--role boss accepted") } catch {
            #expect(EquipWatch.exitCode(for: error) == .validationFailure)
        }
    }

    @Test("incidents show: the story in words with local times: raised, on site after 3 min 20 s within the deadline, the deadline; the rescue notice closed by the arrival")
    func incidentStory() throws {
        let f = try Fixture()
        let elevator = try #require(f.catalog.fleet.devices.filter { $0.type == "elevator" }.sorted { $0.id < $1.id }.first)
        let num = try #require(try f.store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [elevator.id]) })
        let t0: Int64 = 1_795_000_000_000   // 2026-11-18 19:06:40 in Beijing
        let alarm = Alarm(id: 2, deviceNum: num, device: elevator.id, type: "elevator", site: elevator.site, firm: elevator.firm,
                          rule: "elevator.trapped", family: "elevator.trapped", pack: "0123456789abcdef", severity: .critical,
                          state: .firing, startedAt: t0, firedAt: t0, resolvedAt: nil, repeats: 0, lastAt: t0,
                          message: "Passengers trapped", messageZh: "困人", inputs: #"{"event":"trapped"}"#, incidentId: 2)
        var batch = CommitBatch()
        batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true),
                                   payload: #"{"firm":"\#(elevator.firm)","severity":"critical","message":"Passengers trapped","message_zh":"困人"}"#)]
        batch.notices = [NoticeDraft(key: "rescue:2", deviceNum: num, device: elevator.id, type: "elevator", firm: elevator.firm, kind: .rescue,
                                     trigger: "elevator.trapped", reason: Prose(.rescue, en: "passengers trapped", zh: "困人"), dueBy: t0 + 1_800_000,
                                     createdAt: t0, staleAfterRecord: nil, detail: "{}", rescue: RescueStart(alarmId: 2, firedAt: t0, withinMs: 1_800_000))]
        try f.store.commit(batch)
        _ = try f.store.acknowledge(alarm: 2, by: "王师傅", at: t0 + 200_000, onSite: true, topics: Topics())

        let out = try f.run(["incidents", "show", "2"])
        let story = try #require(out.components(separatedBy: "== story ==").last)
        let lines = story.split(separator: "\n").map(String.init)
        /// The index of the story's line that begins at `time` and says `words`.
        func line(_ time: String, _ words: String) -> Int? { lines.firstIndex { $0.hasPrefix(time) && $0.hasSuffix(words) } }
        let raised = try #require(line("2026-11-18 19:06:40+08:00", "Alarm raised (critical): Passengers trapped"))
        let onSite = try #require(line("2026-11-18 19:10:00+08:00  +3 min 20 s", "王师傅 on site, 3 min 20 s after the alarm, within the 30 min deadline"))
        let deadline = try #require(line("2026-11-18 19:36:40+08:00  +30 min", "Rescue deadline: on site within 30 min of the alarm"))
        #expect(raised < onSite && onSite < deadline)
        #expect(out.contains("deadline_at  2026-11-18 19:36:40+08:00") && out.contains("on_site_by   王师傅"))
        #expect(!out.contains("Z\"") && !out.contains("T11:06"))   // no UTC instants in what a person reads
        let zh = try f.run(["incidents", "show", "2", "--lang", "zh"])
        #expect(zh.contains("王师傅 到达现场，告警后3分20秒，在 30 分钟时限内"))
        #expect(zh.contains("告警（严重）：困人"))
        // --json keeps the stored timeline beside the story, for programs.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try f.run(["incidents", "show", "2", "--json"]).utf8)) as? [String: Any])
        #expect((json["story"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["opened", "on_site", "acknowledged", "rescue_deadline"])
        #expect((json["timeline"] as? [Any])?.count == 3)
        // The arrival closed the firm's rescue notice.
        var filter = NoticeFilter()
        filter.kind = .rescue
        #expect(try f.store.notices(filter).map(\.status) == [.closed])
    }
}
