import DeviceCatalog
import Domain
import Foundation
import HTTPTypes
import Records
import Services
import Testing
import TestSupport

@Suite("HTTP API: certificates, insurance and owners' routines, each within its caller's scope (real server, real store)")
struct PeopleAPITests {
    @Test("certificates: a firm sees its own workers' only; supervisors edit; bad fields named. insurance: an owner sees its own, a firm none")
    func certificatesAndInsurance() async throws {
        let f = try APIFixture()
        let owner = f.env.catalog.fleet.devices.sorted { $0.id < $1.id }[0].owner
        try await f.run { api in
            let mine = try await api.get("/v1/certificates", as: "haihe").items
            #expect(!mine.isEmpty && mine.allSatisfy { $0["employer"] as? String == "firm:firm-haihe" })
            #expect(try await api.get("/v1/certificates").items.count > mine.count)
            #expect(try await api.get("/v1/certificates", as: "owner").items.isEmpty)
            let put = try await api.send("/v1/certificates/TJ-T-9", .put,
                                         body: #"{"holder":"王五","item":"T","issued":"2024-01-10","authority":"天津市市场监督管理委员会","employer":"firm:firm-haihe"}"#)
            #expect(put.status == .ok, "\(put.text)")
            #expect((put.json as? [String: Any])?["valid_until"] as? String == "2028-01-09")
            #expect(try await api.get("/v1/certificates", as: "haihe").items.count == mine.count + 1)
            #expect(try await api.send("/v1/certificates/TJ-T-9", .put, as: "haihe", body: "{}").status == .forbidden)
            let bad = try await api.send("/v1/certificates/TJ-T-10", .put,
                                         body: #"{"holder":"x","item":"Z","issued":"2024-01-10","authority":"a","employer":"firm:firm-haihe"}"#)
            #expect(bad.status == .badRequest && bad.text.contains("item"))
            let nobody = try await api.send("/v1/certificates/TJ-T-11", .put,
                                            body: #"{"holder":"x","item":"T","issued":"2024-01-10","authority":"a","employer":"firm:firm-nobody"}"#)
            #expect(nobody.status == .badRequest && nobody.text.contains("no registered firm firm-nobody"))
            let expiring = try await api.get("/v1/certificates?expiring_within=90").items
            #expect(expiring.allSatisfy { ($0["days_left"] as? Int ?? 999) <= 90 })

            let policies = try await api.get("/v1/insurance", as: "owner").items
            #expect(!policies.isEmpty && policies.allSatisfy { $0["owner"] as? String == owner })
            #expect(policies.allSatisfy { ($0["devices_covered"] as? Int ?? 0) > 0 })
            #expect(try await api.get("/v1/insurance", as: "haihe").items.isEmpty)
            let coverage = try await api.get("/v1/insurance/coverage", as: "owner").items
            #expect(coverage.contains { $0["dimension"] as? String == "owner" && $0["key"] as? String == owner && $0["share"] as? Double == 1 })
            #expect(!coverage.contains { $0["dimension"] as? String == "owner" && $0["key"] as? String != owner })
        }
    }

    @Test("routine: an owner names its staff and records its own; the holder's role is checked; another owner's is 404, a firm's write 403, its read empty")
    func routineByRole() async throws {
        let f = try APIFixture()
        let devices = f.env.catalog.fleet.devices.sorted { $0.id < $1.id }
        let owner = devices[0].owner
        let other = try #require(devices.first { $0.owner != owner })
        try await f.run { api in
            let early = try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"daily","by":"李娜"}"#)
            #expect(early.status == .badRequest && early.text.contains("has not named its staff"))
            let staff = try await api.send("/v1/routine/staff", .put, as: "owner",
                                           body: #"{"principal":"张伟","safety_director":"杨帆","safety_officers":["李娜","王芳"]}"#)
            #expect(staff.status == .ok, "\(staff.text)")
            #expect(try await api.get("/v1/routine/staff", as: "owner").items.count == 4)
            let incomplete = try await api.send("/v1/routine/staff", .put, as: "owner", body: #"{"principal":"张伟","safety_officers":["李娜"]}"#)
            #expect(incomplete.status == .badRequest && incomplete.text.contains("safety_director"))

            let daily = try await api.send("/v1/routine", .post, as: "owner",
                                           body: #"{"kind":"daily","by":"李娜","device":"\#(devices[0].id)","findings":"checked, nothing found"}"#)
            #expect(daily.status == .created, "\(daily.text)")
            #expect((daily.json as? [String: Any])?["period"] as? String == LocalDays.china.day(wallMillis()).description)
            // The weekly check is the safety director's, not a safety officer's.
            let wrong = try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"weekly","by":"李娜"}"#)
            #expect(wrong.status == .badRequest && wrong.text.contains("safety director"))
            #expect(try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"weekly","by":"杨帆","hazards":1}"#).status == .created)
            let future = try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"monthly","by":"张伟","period":"2999-01"}"#)
            #expect(future.status == .badRequest && future.text.contains("has not begun"))
            let badPeriod = try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"weekly","by":"杨帆","period":"2025-W53"}"#)
            #expect(badPeriod.status == .badRequest && badPeriod.text.contains("not a weekly period"))
            // Scope: another owner's device and another owner are not found; firms do not write; nobody else reads it.
            #expect(try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"daily","by":"李娜","device":"\#(other.id)"}"#).status == .notFound)
            #expect(try await api.send("/v1/routine", .post, as: "owner", body: #"{"kind":"daily","by":"李娜","owner":"\#(other.owner)"}"#).status == .notFound)
            #expect(try await api.send("/v1/routine", .post, as: "haihe", body: #"{"kind":"daily","by":"李娜"}"#).status == .forbidden)
            #expect(try await api.get("/v1/routine", as: "haihe").items.isEmpty)
            #expect(try await api.get("/v1/routine", as: "owner").items.count == 2)
            #expect(try await api.get("/v1/routine").items.count == 2)
            let compliance = try await api.get("/v1/routine/compliance", as: "owner").items
            #expect(compliance.count == 3 && compliance.allSatisfy { $0["owner"] as? String == owner && $0["staff_named"] as? Bool == true })
            // An owner with no staff named is one row saying so.
            let unnamed = try await api.get("/v1/routine/compliance").items.filter { $0["owner"] as? String == other.owner }
            #expect(unnamed.count == 1 && unnamed.first?["staff_named"] as? Bool == false && unnamed.first?["kind"] is NSNull)
        }
    }
}
