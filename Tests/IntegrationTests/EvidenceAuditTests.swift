import DeviceCatalog
import Domain
import Foundation
import Inspection
import Records
import Services
import Settings
import SourceFiles
import Testing
import TestSupport

/// The evidence chain on a real store (each engine): sealed rows verify; an edit made outside
/// EquipWatch (a separate process on the SQLite file, as the sqlite3 shell would; SQL on
/// PostgreSQL) is named by its entry; the exported bundle checks with its own script.
@Suite("evidence chain: sealing, verify on both sides of an edit, the investigator's bundle", .serialized)
struct EvidenceAuditTests {
    static let policy = try! AccidentPolicy.load(path: repositoryRoot + "/Rules/accidents.yaml")

    /// An incident with a timeline, two evidence readings and an accident.
    static func incident(_ env: TestEnvironment) throws -> (incident: Int64, accident: Int64) {
        let d = env.device("elevator", 1)
        let num = try #require(try env.store.registeredDevice(d.id)?.num)
        let t: Int64 = 1_795_000_000_000
        for (i, kind) in ["opened", "acknowledged", "resolved"].enumerated() {
            try env.store.sqlExecute("INSERT INTO incident_timeline(incident_id, at, kind, detail) VALUES (77, ?, ?, ?)",
                                     [t + Int64(i) * 1000, kind, #"{"by":"Li \"Na\"\n"}"#])
        }
        for r in 1...2 {
            try env.store.sqlExecute("INSERT INTO incident_evidence(incident_id, reading_id, device_num, ts, seq, received_at, data) VALUES (77, ?, ?, ?, ?, ?, ?)",
                                     [Int64(r), num, t - Int64(r) * 1000, Int64(r), t, #"{"passenger":true,"floor":\#(r)}"#])
        }
        let accident = try env.store.record(accident: AccidentReport(devices: [d.id], occurredAt: t, specialCase: "elevator_held"), policy: policy,
                                            by: "bureau", scope: .supervisor, now: t + 60_000)
        try env.store.sqlExecute("UPDATE accidents SET incident_id = 77 WHERE id = ?", [accident.id])
        return (77, accident.id)
    }

    @Test("sealed rows verify; an edited timeline entry, a deleted evidence reading and an edited accident are each named by their entry; a legitimate update is pending until sealed")
    func editsAreNamed() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let (_, accident) = try Self.incident(env)
        let pending = try EvidenceAudit.verify(env.store)
        #expect(pending.findings.isEmpty && pending.pending >= 6 && pending.entries == 0)
        let sealed = try EvidenceAudit.seal(env.store, now: wallMillis())
        #expect(sealed >= 6)
        #expect(try EvidenceAudit.seal(env.store, now: wallMillis()) == 0)   // once
        let clean = try EvidenceAudit.verify(env.store)
        #expect(clean.findings.isEmpty && clean.pending == 0 && clean.entries == sealed)
        #expect(try env.store.auditHeads().last?.hash == clean.head?.hash)

        // A legitimate change (the investigation) is a new version: pending, then sealed, still clean.
        _ = try env.store.update(accident: accident, status: .investigating, deaths: nil, seriousInjuries: nil, lossCny: nil, cause: "brake",
                                 findings: nil, policy: Self.policy, by: "Zhao", scope: .supervisor, now: wallMillis())
        #expect(try EvidenceAudit.verify(env.store).pending == 1)
        #expect(try EvidenceAudit.seal(env.store, now: wallMillis()) == 1)
        #expect(try EvidenceAudit.verify(env.store).findings.isEmpty)

        // Edited outside EquipWatch: the second timeline entry's detail.
        let second = try #require(try env.store.sqlInt("SELECT id FROM incident_timeline WHERE incident_id = 77 AND kind = 'acknowledged'"))
        try Self.tamper(env, "UPDATE incident_timeline SET detail = '{\"by\":\"someone else\"}' WHERE id = \(second)")
        let edited = try EvidenceAudit.verify(env.store)
        let first = try #require(edited.findings.first)
        #expect(first.source == .timeline && first.ref == "\(second)" && first.problem.contains("changed after it was sealed"), "\(edited.findings)")
        let sealedBy = try #require(try env.store.sqlInt("SELECT audit_seq FROM incident_timeline WHERE id = \(second)"))
        #expect(first.seq == sealedBy)
        // Hiding the edit by removing the seal mark does not help.
        try Self.tamper(env, "UPDATE incident_timeline SET audit_seq = NULL WHERE id = \(second)")
        #expect(try EvidenceAudit.verify(env.store).findings.first?.problem.contains("seal removed") == true)
        try Self.tamper(env, "UPDATE incident_timeline SET detail = '{\"by\":\"Li \\\"Na\\\"\\n\"}', audit_seq = \(sealedBy) WHERE id = \(second)")

        // A deleted evidence reading and an edited accident.
        try Self.tamper(env, "DELETE FROM incident_evidence WHERE incident_id = 77 AND reading_id = 2")
        try Self.tamper(env, "UPDATE accidents SET deaths = 0, class = 'general', cause = 'none' WHERE id = \(accident)")
        let found = try EvidenceAudit.verify(env.store).findings
        #expect(found.contains { $0.source == .evidence && $0.ref == "77:2" && $0.problem.contains("deleted") }, "\(found)")
        #expect(found.contains { $0.source == .accident && $0.problem.contains("changed after it was sealed") }, "\(found)")

        // An entry of the chain itself rewritten.
        try Self.tamper(env, "UPDATE audit_chain SET content_hash = '\(String(repeating: "a", count: 64))' WHERE seq = 1")
        #expect(try EvidenceAudit.verify(env.store).findings.first?.seq == 1)
    }

    @Test("the bundle of an incident checks with its own script, and fails naming the row when a value in it is changed")
    func bundle() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let (incident, _) = try Self.incident(env)
        try EvidenceAudit.seal(env.store, now: wallMillis())
        let files = try #require(try EvidenceAudit.bundle(env.store, incident: incident))
        let dir = env.directory + "/bundle"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in files { try f.text.write(toFile: dir + "/" + f.name, atomically: true, encoding: .utf8) }
        let ok = try python(dir + "/verify.py")
        #expect(ok.status == 0 && ok.output.contains("ok:"), "\(ok.output)")
        let rows = try String(contentsOfFile: dir + "/rows.jsonl", encoding: .utf8)
        try rows.replacingOccurrences(of: #"\"floor\":1"#, with: #"\"floor\":9"#).write(toFile: dir + "/rows.jsonl", atomically: true, encoding: .utf8)
        let bad = try python(dir + "/verify.py")
        #expect(bad.status == 1 && bad.output.contains("evidence 77:1"), "\(bad.output)")
        #expect(try EvidenceAudit.bundle(env.store, incident: 999_999) == nil)
    }

    /// Changes the store from outside EquipWatch: another process on the SQLite file (what the
    /// sqlite3 shell does), SQL on PostgreSQL.
    static func tamper(_ env: TestEnvironment, _ sql: String) throws {
        switch TestEngine.current {
        case .postgres: try env.store.sqlExecute(sql)
        case .sqlite:
            let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()"
            let r = try run("/usr/bin/env", ["python3", "-c", script, env.settings.databasePath, sql])
            #expect(r.status == 0, "\(r.output)")
        }
    }

    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func python(_ script: String) throws -> (status: Int32, output: String) { try Self.run("/usr/bin/env", ["python3", script]) }
}
