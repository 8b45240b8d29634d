import DeviceCatalog
import Domain
import Services
import Foundation
import HTTPTypes
import Records
import Testing
import TestSupport

@Suite("HTTP API: accidents reported by owners and supervisors, read by firms, investigated by supervisors (real server, real SQLite)")
struct AccidentAPITests {
    @Test("POST /v1/accidents classes it (2 deaths general, 3 larger); an owner reports its own devices only; a firm may not; the investigation is a supervisor's")
    func accidentsByRole() async throws {
        let f = try APIFixture()
        let devices = f.env.catalog.fleet.devices.sorted { $0.id < $1.id }
        let mine = try #require(devices.first { $0.owner == devices[0].owner && $0.type == "elevator" })
        let theirs = try #require(devices.first { $0.owner != devices[0].owner })
        let at = Timestamp.format(wallMillis() - 600_000)
        try await f.run { api in
            let general = try await api.send("/v1/accidents", .post, as: "owner",
                                             body: #"{"device":"\#(mine.id)","at":"\#(at)","deaths":2,"summary":"door closed on a passenger"}"#)
            #expect(general.status == .created, "\(general.text)")
            let g = try #require((general.json as? [String: Any])?["accident"] as? [String: Any])
            #expect(g["class"] as? String == "general" && g["status"] as? String == "reported" && g["report_late"] as? Bool == false)
            #expect(g["reported_by"] as? String == "owner")
            let larger = try await api.send("/v1/accidents", .post, body: #"{"device":"\#(theirs.id)","at":"\#(at)","deaths":3}"#)
            #expect((larger.json as? [String: Any]).flatMap { ($0["accident"] as? [String: Any])?["class"] as? String } == "larger")

            // Scope and roles.
            #expect(try await api.send("/v1/accidents", .post, as: "owner", body: #"{"device":"\#(theirs.id)","at":"\#(at)"}"#).status == .notFound)
            #expect(try await api.send("/v1/accidents", .post, as: "haihe", body: #"{"device":"\#(mine.id)","at":"\#(at)"}"#).status == .forbidden)
            let ownList = try await api.get("/v1/accidents", as: "owner").items
            #expect(ownList.count == 1 && ownList.first?["device"] as? String == mine.id)
            #expect(try await api.get("/v1/accidents").items.count == 2)
            let id = try #require(g["id"] as? Int)
            #expect(try await api.get("/v1/accidents/\(id)", as: mine.firm == "firm-haihe" ? "jinnan" : "haihe").status == .notFound)
            #expect(try await api.get("/v1/accidents/\(id)", as: "owner").status == .ok)

            // Bad input names its field.
            for (json, field) in [
                (#"{"device":"\#(mine.id)","at":"yesterday"}"#, "at"),
                (#"{"device":"\#(mine.id)"}"#, "at"),
                (#"{"device":"\#(mine.id)","at":"\#(at)","deaths":-1}"#, "deaths"),
                (#"{"device":"\#(mine.id)","at":"\#(at)","special_case":"meteor"}"#, "special_case"),
                (#"{"device":"\#(mine.id)","at":"\#(at)","deaths":"two"}"#, "deaths"),
            ] {
                let r = try await api.send("/v1/accidents", .post, body: json)
                #expect(r.status == .badRequest && r.text.contains("\"message\":\"\(field)"), "\(json) -> \(r.text)")
            }

            // The investigation: not the owner's; a supervisor's revision re-classes it.
            #expect(try await api.send("/v1/accidents/\(id)/investigation", .post, as: "owner", body: #"{"status":"closed"}"#).status == .forbidden)
            let revised = try await api.send("/v1/accidents/\(id)/investigation", .post,
                                             body: #"{"status":"investigating","serious_injuries":12,"cause":"door protection disabled"}"#)
            let r = try #require((revised.json as? [String: Any])?["accident"] as? [String: Any])
            #expect(r["class"] as? String == "larger" && r["status"] as? String == "investigating" && r["cause"] as? String == "door protection disabled")
            #expect(try await api.send("/v1/accidents/\(id)/investigation", .post, body: #"{"status":"proposed"}"#).status == .badRequest)
            #expect(try await api.send("/v1/accidents/\(id)/investigation", .post, body: #"{"status":"dismissed","findings":"x"}"#).status == .conflict)
            #expect(try await api.send("/v1/accidents/\(id)/report", .post, as: "owner", body: "{}").status == .conflict)

            // The yearly statistics count them by class.
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let stats = try #require(try await api.get("/v1/stats?year=\(year)").json as? [String: Any])
            let byClass = try #require(stats["accidents_by_class"] as? [[String: Any]])
            #expect(byClass.first { $0["key"] as? String == "larger" }?["accidents"] as? Int == 2)
        }
    }

    @Test("GET /v1/audit: supervisors only; ok on a sealed store, the edited entry named after an edit")
    func auditRoute() async throws {
        let f = try APIFixture()
        try EvidenceAudit.seal(f.env.store, now: wallMillis())
        let id = try #require(try f.env.store.sqlInt("SELECT id FROM incident_timeline ORDER BY id LIMIT 1"))
        try await f.run { api in
            #expect(try await api.get("/v1/audit", as: "haihe").status == .forbidden)
            let ok = try #require(try await api.get("/v1/audit").json as? [String: Any])
            #expect(ok["ok"] as? Bool == true && (ok["entries"] as? Int ?? 0) >= 1 && ok["head"] is String)
            try f.env.store.sqlExecute("UPDATE incident_timeline SET detail = 'edited' WHERE id = ?", [id])
            let bad = try #require(try await api.get("/v1/audit").json as? [String: Any])
            let first = (bad["findings"] as? [[String: Any]])?.first
            #expect(bad["ok"] as? Bool == false && first?["source"] as? String == "timeline" && first?["ref"] as? String == "\(id)")
            #expect(try await api.get("/v1/audit/heads").items.count == 1)
        }
    }
}
