import Domain
import Foundation
import Inspection
import Testing

/// Workers' certificates (TSG Z6001-2019) and the import files: each rule on both sides.
@Suite("certificates: validity to the day, the item, the employer; import files located; no national IDs")
struct PeopleTests {
    static let day = Day(parsing: "2026-12-07")!
    static let t = Certificate(number: "TJ-T-1", holder: "王建国", item: .t, issued: Day(parsing: "2022-12-09")!,
                               validUntil: day.adding(days: 1), authority: "天津市市场监督管理局", employer: .firm("firm-haihe"))
    static let p = Certificate(number: "TJ-P-1", holder: "李芳", item: .p, issued: Day(parsing: "2024-01-01")!,
                               validUntil: Day(parsing: "2027-12-31")!, authority: "天津市市场监督管理局", employer: .firm("firm-haihe"))
    static func lookup(_ n: String) -> Certificate? { [t, p].first { $0.number == n } }
    static func problem(_ number: String?, on day: Day = day, needs: [CertificateItem] = [.t], reporter: Role = .firm("firm-haihe")) -> CertificateProblem? {
        CertificateRule.problem(number: number, needs: needs, on: day, reporter: reporter, lookup: lookup)
    }

    @Test("a T certificate expiring tomorrow is accepted today and tomorrow, refused the day after")
    func expiry() {
        #expect(Self.problem("TJ-T-1") == nil)
        #expect(Self.problem("TJ-T-1", on: Self.day.adding(days: 1)) == nil)
        #expect(Self.problem("TJ-T-1", on: Self.day.adding(days: 2)) == .expired("TJ-T-1", validUntil: Self.day.adding(days: 1), on: Self.day.adding(days: 2)))
        // Nor before it was issued.
        #expect(Self.problem("TJ-T-1", on: Day(parsing: "2022-12-08")!) != nil)
    }

    @Test("a P certificate cannot sign an elevator's maintenance; it can sign a fill")
    func item() {
        #expect(Self.problem("TJ-P-1") == .wrongItem("TJ-P-1", item: .p, needs: [.t]))
        #expect(Self.problem("TJ-P-1", needs: [.p]) == nil)
        #expect(Self.problem("TJ-P-1")?.description == "certificate TJ-P-1 is for P (gas cylinder filling); this work needs T (elevator repair)")
        #expect(Self.problem("TJ-P-1")?.chinese.contains("电梯修理") == true)
    }

    @Test("none named, unknown, another firm's worker: refused; nothing needed: anything goes")
    func others() {
        #expect(Self.problem(nil) == .missing(needs: [.t]))
        #expect(Self.problem("") == .missing(needs: [.t]))
        #expect(Self.problem("TJ-T-9") == .unknown("TJ-T-9"))
        #expect(Self.problem("TJ-T-1", reporter: .firm("firm-jinnan")) == .otherEmployer("TJ-T-1", reporter: "firm:firm-jinnan"))
        #expect(Self.problem(nil, needs: []) == nil)
    }

    @Test("an import file: valid 4 years less a day by default, the file's valid_until wins; errors by line; national IDs refused")
    func importFile() throws {
        let ok = try PeopleFiles.certificates(text: """
            certificates:
              - {number: A1, holder: 张三, item: T, issued: 2023-03-01, authority: 天津市市场监督管理局, employer: firm:firm-haihe}
              - {number: A2, holder: 李四, item: p, issued: 2023-03-01, valid_until: 2026-06-30, authority: X, employer: owner:owner-jinghai-gas}
            """, file: "c.yaml", validYears: 4)
        #expect(ok.map(\.validUntil.description) == ["2027-02-28", "2026-06-30"])
        #expect(ok.map(\.item) == [.t, .p])
        #expect(ok[1].employer == .owner("owner-jinghai-gas"))
        do {
            _ = try PeopleFiles.certificates(text: """
                certificates:
                  - {number: A1, holder: 张三, item: T, issued: 2023-03-01, authority: X, employer: firm:f}
                  - {number: A1, holder: 张三, item: T, issued: 2023-03-01, authority: X, employer: firm:f}
                  - {number: A3, holder: 王五, item: Z9, issued: 2023-03-01, authority: X, employer: firm:f}
                  - {number: A4, holder: 赵六, item: T, issued: 2023-03-01, authority: X, employer: firm:f, id_number: "120101199001011234"}
                  - {number: A5, holder: 孙七, item: T, issued: someday, authority: X, employer: supervisor}
                """, file: "c.yaml", validYears: 4)
            Issue.record("accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("c.yaml:3") && message.contains("listed twice"), "\(message)")
            #expect(message.contains("c.yaml:4") && message.contains("not 'Z9'"), "\(message)")
            #expect(message.contains("c.yaml:5") && message.contains("national ID numbers are not stored"), "\(message)")
            #expect(message.contains("c.yaml:6") && message.contains("`issued` must be a date"), "\(message)")
            #expect(!message.contains("120101199001011234"))
        }
    }

    @Test("a policy covers its owner's devices of its types, or its one device, from its first to its last day")
    func policyCover() throws {
        let fleet = InsurancePolicy(number: "B1", insurer: "I", owner: "o", device: nil, types: ["elevator"], coverCny: 1,
                                    validFrom: Day(parsing: "2026-01-01")!, validTo: Day(parsing: "2026-12-31")!)
        #expect(fleet.covers(device: "E1", type: "elevator", owner: "o", on: Day(parsing: "2026-12-31")!))
        #expect(!fleet.covers(device: "E1", type: "elevator", owner: "o", on: Day(parsing: "2027-01-01")!))
        #expect(!fleet.covers(device: "E1", type: "escalator", owner: "o", on: Day(parsing: "2026-06-01")!))
        #expect(!fleet.covers(device: "E1", type: "elevator", owner: "x", on: Day(parsing: "2026-06-01")!))
        let one = try PeopleFiles.policies(text: """
            policies:
              - {number: B2, insurer: 人保, owner: o, device: E2, cover_cny: 500000, valid_from: 2026-01-01, valid_to: 2026-12-31}
            """, file: "p.yaml")
        #expect(one[0].covers(device: "E2", type: "elevator", owner: "o", on: Day(parsing: "2026-03-01")!))
        #expect(!one[0].covers(device: "E1", type: "elevator", owner: "o", on: Day(parsing: "2026-03-01")!))
        #expect(throws: (any Error).self) {
            try PeopleFiles.policies(text: "policies:\n  - {number: B3, insurer: I, owner: o, device: E2, types: [elevator], cover_cny: 1, valid_from: 2026-01-01, valid_to: 2025-12-31}\n", file: "p.yaml")
        }
    }
}
