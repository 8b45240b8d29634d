import Inspection
import HTTPTypes
import GRDB
import DeviceCatalog
import Domain
import Foundation
import Logging
import Pipeline
import Records
import Services
import Storage
import Testing
import TestSupport

@Suite("HTTP API: inspection results, must-not-use and statistics (real server, real SQLite)")
struct ComplianceAPITests {
    @Test("a supervisor records results; a firm may not; bad input names its field; must_not_use filters within scope; stats stay in scope")
    func inspectionsAndStats() async throws {
        let f = try APIFixture()
        let d = f.haihe.first { $0.type == "elevator" }!
        let yesterday = LocalDays.china.day(wallMillis()).adding(days: -1)
        try await f.run { api in
            let body = #"{"device":"\#(d.id)","kind":"periodic","date":"\#(yesterday)","result":"fail","inspector":"Wang Lei","organisation":"TSEI","report_no":"R-7"}"#
            let refused = try await api.send("/v1/inspections", .post, as: "haihe", body: body)
            #expect(refused.status == .forbidden)
            let made = try await api.send("/v1/inspections", .post, body: body)
            #expect(made.status == .created)
            let answer = try #require(made.json as? [String: Any])
            #expect(answer["must_not_use"] as? Bool == true)
            #expect(answer["must_not_use_reason"] as? String == "periodic inspection failed on \(yesterday)")

            for (json, field) in [
                (#"{"device":"\#(d.id)","kind":"hydrostatic","date":"\#(yesterday)","result":"pass"}"#, "kind"),
                (#"{"device":"\#(d.id)","kind":"periodic","date":"2999-01-01","result":"pass"}"#, "date"),
                (#"{"device":"\#(d.id)","kind":"periodic","date":"\#(yesterday)","result":"pass","grade":2}"#, "grade"),
                (#"{"device":"\#(d.id)","kind":"periodic","date":"\#(yesterday)","result":"maybe"}"#, "result"),
            ] {
                let r = try await api.send("/v1/inspections", .post, body: json)
                #expect(r.status == .badRequest)
                #expect(r.text.contains("\"message\":\"\(field): "), "\(json) -> \(r.text)")
            }
            #expect(try await api.send("/v1/inspections", .post, body: #"{"device":"nope","kind":"periodic","date":"2026-01-01","result":"pass"}"#).status == .notFound)
            // The inspector and the organisation are named on every record.
            let unnamed = try await api.send("/v1/inspections", .post, body: #"{"device":"\#(d.id)","kind":"periodic","date":"\#(yesterday)","result":"pass","organisation":"TSEI"}"#)
            #expect(unnamed.status == .badRequest && unnamed.text.contains("\"message\":\"inspector: required"), "\(unnamed.text)")

            // The history within scope: the firm sees it, another firm gets 404.
            let history = try await api.get("/v1/devices/\(d.id)/inspections", as: "haihe")
            #expect(history.items.first?["result"] as? String == "fail" && history.items.first?["report_no"] as? String == "R-7")
            #expect(try await api.get("/v1/devices/\(d.id)/inspections", as: "jinnan").status == .notFound)
            // A cylinder's fills: within scope (its firm, a supervisor), 404 for another firm.
            let cylinder = try #require(f.env.catalog.fleet.devices.first { $0.type == "gas_cylinder" })
            #expect(try await api.get("/v1/cylinders/\(cylinder.id)/fills").status == .ok)
            #expect(try await api.get("/v1/cylinders/\(cylinder.id)/fills", as: "haihe").status == .notFound)
            #expect(try await api.get("/v1/cylinders/no-such-cylinder/fills").status == .notFound)

            // The compliance check stores the status; the filter reads it in scope.
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            try ComplianceService(store: f.env.store, types: f.env.catalog.types, policy: .init(), topics: Topics(),
                                  clock: .system, logger: logger).check(now: wallMillis(), force: true)
            let mine = try await api.get("/v1/devices?must_not_use=true&limit=1000", as: "haihe")
            #expect(mine.items.contains { $0["id"] as? String == d.id && $0["must_not_use"] as? Bool == true })
            #expect(mine.items.allSatisfy { $0["firm"] as? String == "firm-haihe" && $0["must_not_use"] as? Bool == true })
            let others = try await api.get("/v1/devices?must_not_use=false&limit=1000", as: "haihe")
            #expect(!others.items.contains { $0["id"] as? String == d.id })
            #expect(try await api.get("/v1/devices?must_not_use=yes").errorCode == "bad_parameter")

            // Statistics: a firm counts its own devices only.
            let all = try #require(try await api.get("/v1/stats?year=2026").json as? [String: Any])
            let own = try #require(try await api.get("/v1/stats?year=2026", as: "haihe").json as? [String: Any])
            func mustNotUse(_ s: [String: Any]) -> Int? { ((s["inspections"] as? [[String: Any]])?.first?["must_not_use"] as? Int) }
            #expect(mustNotUse(own)! >= 1 && mustNotUse(own)! < mustNotUse(all)!)
            #expect((own["inspections"] as? [[String: Any]])?.first?["failed"] as? Int == 1)
            let grades = (own["risk_grades"] as? [[String: Any]]) ?? []
            #expect(grades.reduce(0) { $0 + ($1["devices"] as? Int ?? 0) } == f.haihe.count)
            #expect(own["alarms_by_month"] != nil && own["alarms_by_firm"] != nil)
            #expect(try await api.get("/v1/stats?by=type,colour").errorCode == "bad_parameter")
            #expect(try await api.get("/v1/stats?year=2026&from=2026-01-01").errorCode == "bad_parameter")
            // Edges found by the contract fuzzer: the last representable year, times at Int64's ends.
            for query in ["year=2999", "year=1999", "to=-9223372036854775808", "from=9223372036854775807"] {
                let r = try await api.get("/v1/stats?\(query)")
                #expect(r.errorCode == "bad_parameter", "\(query)")
            }
            #expect(try await api.get("/v1/stats?year=2998").status == .ok)
        }
    }

    @Test("sentences in the caller's language: Accept-Language zh answers alarm messages, incident titles, notice and must-not-use reasons in Chinese; none or en in English")
    func readersLanguage() async throws {
        let f = try APIFixture()
        let d = f.haihe.first { $0.type == "elevator" }!
        let yesterday = LocalDays.china.day(wallMillis()).adding(days: -1)
        try await f.run { api in
            let body = #"{"device":"\#(d.id)","kind":"periodic","date":"\#(yesterday)","result":"fail","inspector":"王磊","organisation":"天津市特种设备监督检验技术研究院"}"#
            let made = try await api.send("/v1/inspections", .post, body: body, language: "zh-CN,zh;q=0.9,en;q=0.8")
            #expect((made.json as? [String: Any])?["must_not_use_reason"] as? String == "定期检验不合格（\(yesterday)），复检合格前禁止使用")
            #expect(made.headers[.contentLanguage] == "zh-CN" && made.headers[.vary] == "Accept-Language")

            let zh = try await api.get("/v1/devices?must_not_use=true&limit=1000", language: "zh")
            let en = try await api.get("/v1/devices?must_not_use=true&limit=1000")
            func reason(_ a: APIClient.Answer) -> String? { a.items.first { $0["id"] as? String == d.id }?["must_not_use_reason"] as? String }
            #expect(reason(zh) == "定期检验不合格（\(yesterday)），复检合格前禁止使用")
            #expect(reason(en) == "periodic inspection failed on \(yesterday)")
            #expect(en.headers[.contentLanguage] == "en")

            let notice = try await api.get("/v1/notices?kind=inspection_overdue&device=\(d.id)", language: "zh")
            #expect((notice.items.first?["reason"] as? String)?.hasPrefix("禁止使用：定期检验不合格") == true, "\(notice.text)")
            #expect(notice.items.first?["reason_code"] as? String == "compliance.must_not_use")
            #expect((notice.items.first?["reason_parameters"] as? [String: Any])?["kind"] as? String == "periodic")
            let english = try await api.get("/v1/notices?kind=inspection_overdue&device=\(d.id)", language: "en-GB")
            #expect((english.items.first?["reason"] as? String)?.hasPrefix("must not be used: periodic inspection failed on") == true)

            #expect(try await api.get("/v1/alarms?device=\(f.haihe[0].id)", language: "zh").items.first?["message"] as? String == "告警 0")
            #expect(try await api.get("/v1/alarms?device=\(f.haihe[0].id)", language: "fr").items.first?["message"] as? String == "alarm 0")
            #expect(try await api.get("/v1/alarms/1", language: "zh").json.flatMap { ($0 as? [String: Any])?["message"] as? String } == "告警 0")
            #expect(try await api.get("/v1/incidents?device=\(f.haihe[0].id)", language: "zh").items.first?["title"] as? String == "告警 0")
            // The device page: its notices in Chinese too (a notice written without Chinese keeps its English).
            let page = try #require(try await api.get("/v1/devices/\(d.id)", language: "zh").json as? [String: Any])
            let reasons = ((page["notices"] as? [[String: Any]]) ?? []).compactMap { $0["reason"] as? String }
            #expect(reasons.contains { $0.hasPrefix("禁止使用：") }, "\(reasons)")
        }
    }

    @Test("a major hazard: the firm reports, the owner confirms, only a supervisor closes it (403 for a firm), and the device may be used at once")
    func hazardClosure() async throws {
        let f = try APIFixture()
        let owner = try #require(f.env.catalog.fleet.devices.sorted { $0.id < $1.id }.first?.owner)
        let d = try #require(f.haihe.first { $0.type == "elevator" && $0.owner == owner })
        let num = try #require(try f.env.store.registeredDevice(d.id)?.num)
        let id = try #require(try f.env.store.sqlInt(
            "INSERT INTO device_hazards(device_num, rule, alarm_id, raised_at) VALUES (?, 'elevator.door_lock_bridged', 99, ?) RETURNING id",
            [num, wallMillis() - 60_000]))
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        try ComplianceService(store: f.env.store, types: f.env.catalog.types, policy: .init(), topics: Topics(),
                              clock: .system, logger: logger).check(now: wallMillis(), force: true)
        try await f.run { api in
            func mustNotUse() async throws -> Bool? {
                let report = try #require(try await api.get("/v1/devices/\(d.id)").json as? [String: Any])
                return ((report["device"] as? [[String: Any]])?.first?["must_not_use"] as? Bool)
            }
            #expect(try await mustNotUse() == true)
            let open = try await api.get("/v1/hazards?status=open", as: "haihe")
            #expect(open.items.map { $0["id"] as? Int64 ?? ($0["id"] as? Int).map(Int64.init) ?? -1 } == [id])
            #expect(try await api.get("/v1/hazards", as: "jinnan").items.isEmpty)
            #expect(try await api.get("/v1/hazards/\(id)", as: "jinnan").status == .notFound)
            #expect(try await api.get("/v1/hazards?status=maybe").errorCode == "bad_parameter")

            // A firm may not close it, nor an owner; another firm does not find it.
            #expect(try await api.send("/v1/hazards/\(id)/closure", .post, as: "haihe", body: #"{"organisation":"us"}"#).status == .forbidden)
            #expect(try await api.send("/v1/hazards/\(id)/closure", .post, as: "owner", body: #"{"organisation":"us"}"#).status == .forbidden)
            #expect(try await api.send("/v1/hazards/\(id)/rectification", .post, as: "jinnan", body: "{}").status == .notFound)
            #expect(try await api.send("/v1/hazards/\(id)/rectification", .post, body: "{}").status == .forbidden)
            // The firm's rectification and the owner's confirmation: steps; the device still must not be used.
            let rectified = try await api.send("/v1/hazards/\(id)/rectification", .post, as: "haihe", body: #"{"by":"Wang","note":"lock wiring restored"}"#)
            #expect(rectified.status == .created)
            #expect(try await api.send("/v1/hazards/\(id)/confirmation", .post, as: "owner", body: #"{"by":"Li"}"#).status == .created)
            #expect(try await mustNotUse() == true)
            // The closure names its organisation; then the device may be used, in the same answer's write.
            #expect(try await api.send("/v1/hazards/\(id)/closure", .post, body: #"{"by":"Zhao"}"#).errorCode == "bad_parameter")
            let closed = try await api.send("/v1/hazards/\(id)/closure", .post, body: #"{"by":"Zhao","organisation":"TSEI","note":"verified on site"}"#)
            #expect(closed.status == .created)
            let body = try #require(closed.json as? [String: Any])
            #expect((body["hazard"] as? [String: Any])?["status"] as? String == "closed")
            #expect((body["timeline"] as? [[String: Any]])?.compactMap { $0["step"] as? String } == ["rectified", "confirmed", "closed"])
            #expect(try await mustNotUse() == false)
            #expect(try await api.send("/v1/hazards/\(id)/closure", .post, body: #"{"by":"Zhao","organisation":"TSEI"}"#).status == .conflict)
            let report = try #require(try await api.get("/v1/devices/\(d.id)").json as? [String: Any])
            #expect((report["hazard_timeline"] as? [[String: Any]])?.count == 3)
        }
    }

    @Test("names in Chinese within scope: a firm sees its own firm and the owners and sites of its devices")
    func namesInChinese() async throws {
        let f = try APIFixture()
        try await f.run { api in
            let all = try await api.get("/v1/names").items
            #expect(all.contains { $0["id"] as? String == "site-tianjin-hospital" && $0["name_zh"] as? String == "天津市人民医院" })
            #expect(all.contains { $0["kind"] as? String == "firm" && $0["id"] as? String == "firm-jinnan" })
            let mine = try await api.get("/v1/names", as: "haihe").items
            let firms = mine.filter { $0["kind"] as? String == "firm" }.compactMap { $0["id"] as? String }
            #expect(firms == ["firm-haihe"])
            let sites = Set(f.haihe.map(\.site))
            #expect(Set(mine.filter { $0["kind"] as? String == "site" }.compactMap { $0["id"] as? String }) == sites)
        }
    }
}
