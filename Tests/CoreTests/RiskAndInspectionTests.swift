import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Inspection
import Risk
import Testing

@Suite("Risk grading and inspection due dates")
struct RiskAndInspectionTests {
    static let model = try! RiskModel.load(path: RuleEngineTests.root + "/Rules/risk.yaml")
    static let now: Int64 = 1_795_564_800_000  // 2026-11-25T00:00Z

    func elevator(site category: String, people: Int) -> RiskInputs {
        RiskInputs(consequence: RuleEngineTests.types["elevator"]!.consequence, siteCategory: category, peopleExposed: people,
                   attributes: ["design_life_years": .number(20)], commissioned: Day(parsing: "2016-11-25")!, inspectionGrade: nil)
    }

    func value(_ g: RiskGrade, _ name: String) -> Double? { g.factors.first { $0.name == name }?.value }

    @Test("a trapped-passenger incident: the school elevator is red, the identical factory one orange (hand-computed)")
    func schoolVersusFactory() {
        // L = 0.5 base + 3 (critical alarm, fired now) + 2 (it opened an incident) = 5.5; age 10/20 years adds 0.
        var school = elevator(site: "school", people: 2400)
        var factory = elevator(site: "industrial", people: 600)
        let trapped = (severity: "critical", firedAt: Self.now, incident: true)
        school.alarms = [trapped]
        factory.alarms = [trapped]
        let s = Self.model.grade(school, now: Self.now)
        let f = Self.model.grade(factory, now: Self.now)
        #expect(s.likelihood == 5.5)
        #expect(f.likelihood == 5.5)
        // School: E = 6 (1,000–9,999 people), C = 15 × 1.5 = 22.5, D = 742.5.
        #expect(s.exposure == 6)
        #expect(s.consequence == 22.5)
        #expect(s.score == 742.5)
        #expect(s.grade == .red)
        // Factory: E = 3 (100–999 people), C = 15 × 1.0, D = 247.5.
        #expect(f.exposure == 3)
        #expect(f.consequence == 15)
        #expect(f.score == 247.5)
        #expect(f.grade == .orange)
        #expect(value(s, "alarm_history") == 5)
        #expect(value(s, "location") == 1.5)
        #expect(value(f, "location") == 1.0)
        #expect(s.model.hasPrefix("lec-1+"))
        // Without the incident both are low: 0.5 × 6 × 22.5 = 67.5 (blue) and 0.5 × 3 × 15 = 22.5 (blue).
        #expect(Self.model.grade(elevator(site: "school", people: 2400), now: Self.now).score == 67.5)
        #expect(Self.model.grade(elevator(site: "industrial", people: 600), now: Self.now).grade == .blue)
    }

    @Test("history decays with the half-life; overdue inspection and maintenance, safety grade and gaps add their weights")
    func likelihoodFactors() {
        var i = elevator(site: "residential", people: 5000)
        i.alarms = [(severity: "critical", firedAt: Self.now - 30 * 86_400_000, incident: false),
                    (severity: "major", firedAt: Self.now - 100 * 86_400_000, incident: false)]
        i.overdueInspections = ["periodic due 2026-06-01"]
        i.maintenanceOverdue = 1
        i.monitoringGaps = 9
        let g = Self.model.grade(i, now: Self.now)
        #expect(value(g, "alarm_history") == 1.5)  // 3 halved after 30 days; the 100-day-old one is outside 90 days
        #expect(value(g, "inspection_overdue") == 6)
        #expect(value(g, "maintenance_overdue") == 3)
        #expect(value(g, "monitoring_gaps") == 2)  // 9 × 0.5, capped at 2
        #expect(g.likelihood == 10)                // 0.5 + 1.5 + 6 + 3 + 2 = 13, capped at 10
        // A pressure vessel: grade 4 adds 3; C = 40 × hospital 1.5 × inert 1.0 × (2.5 MPa × 30 m³ = 75 → 1.2) = 72.
        var v = RiskInputs(consequence: RuleEngineTests.types["pressure_vessel"]!.consequence, siteCategory: "hospital", peopleExposed: 8000,
                           attributes: ["design_pressure_mpa": .number(2.5), "volume_m3": .number(30), "medium_hazard": .string("inert")],
                           commissioned: Day(parsing: "2021-03-03")!, inspectionGrade: 4)
        let pv = Self.model.grade(v, now: Self.now)
        #expect(abs(pv.consequence - 72) < 1e-9)
        #expect(pv.likelihood == 3.5)
        #expect(abs(pv.score - 3.5 * 6 * 72) < 0.01)
        v.attributes["medium_hazard"] = .string("toxic")
        #expect(Self.model.grade(v, now: Self.now).consequence == 100)  // 40 × 1.5 × 2 × 1.2 = 144, capped
    }

    @Test("a broken risk model is rejected with file, line and reason")
    func brokenModel() throws {
        let text = try String(contentsOfFile: RuleEngineTests.root + "/Rules/risk.yaml", encoding: .utf8)
        let broken = text.replacingOccurrences(of: "  orange: 160", with: "  orange: 400").replacingOccurrences(of: "half_life: 30d", with: "half_life: soon")
        do {
            _ = try RiskModel.parse(broken, file: "risk.yaml")
            Issue.record("accepted a broken model")
        } catch {
            let lines = error.errors.map(\.description)
            #expect(lines.contains { $0.hasPrefix("risk.yaml:") && $0.contains("'soon' is not a positive duration") })
            #expect(lines.contains { $0.contains("red > orange > yellow") })
        }
    }

    @Test("the instants people may name are exactly the days a Day holds")
    func instantBounds() {
        #expect(Day.instants.lowerBound == Day(year: 1900, month: 1, day: 1)?.epochMillis)
        #expect(Day.instants.upperBound + 1 == Day(year: 2999, month: 12, day: 31).map { $0.epochMillis + 86_400_000 })
        #expect(Day(epochMillis: Day.instants.upperBound).description == "2999-12-31")
        #expect(Day(year: 3000, month: 1, day: 1) == nil)
    }

    @Test("inspection due dates follow each regulation's schedule")
    func inspectionSchedules() {
        let types = RuleEngineTests.types
        func dues(_ type: String, _ commissioned: String, _ last: [String: String], grade: Int? = nil,
                  _ attributes: [String: Scalar] = [:]) -> [String: String] {
            let d = InspectionCalendar.dueDates(policies: types[type]!.inspections, commissioned: Day(parsing: commissioned)!,
                                                lastInspections: last.mapValues { Day(parsing: $0)! }, grade: grade, attributes: attributes)
            return Dictionary(uniqueKeysWithValues: d.map { ($0.kind, $0.mustNotUse ? "stop" : $0.due.description) })
        }
        // Elevators: service years 1, 4, 7, ... then yearly after year 15; self-test counted from the latest inspection.
        #expect(dues("elevator", "2019-12-19", ["periodic": "2026-09-24"]) == ["periodic": "2028-12-19", "self_test": "2027-09-24"])
        #expect(dues("elevator", "2007-05-31", ["periodic": "2026-07-03"])["periodic"] == "2027-07-03")
        #expect(dues("elevator", "2025-01-08", [:])["periodic"] == "2026-01-08")
        // Pressure vessels: first within 3 years, then by safety grade; grade 5 must not be used.
        #expect(dues("pressure_vessel", "2021-03-03", ["periodic": "2025-04-24"], grade: 2)["periodic"] == "2031-04-24")
        #expect(dues("pressure_vessel", "2017-09-23", ["periodic": "2024-01-06"], grade: 4)["periodic"] == "2027-01-06")
        #expect(dues("pressure_vessel", "2017-09-23", ["periodic": "2024-01-06"], grade: 5)["periodic"] == "stop")
        #expect(dues("pressure_vessel", "2025-02-01", [:])["periodic"] == "2028-02-01")
        // Household LPG: 4, 4, 4 then 3 years.
        let lpg: [String: Scalar] = ["gas_category": .string("lpg_household")]
        #expect(dues("gas_cylinder", "2014-01-01", ["periodic": "2022-01-01"], lpg)["periodic"] == "2026-01-01")
        #expect(dues("gas_cylinder", "2014-01-01", ["periodic": "2026-01-01"], lpg)["periodic"] == "2029-01-01")
        // Boilers: external yearly, internal every 2, hydrostatic every 6 years.
        #expect(dues("boiler", "2014-05-05", ["external": "2026-05-23", "internal": "2025-01-19", "hydrostatic": "2021-11-26"])
                == ["external": "2027-05-23", "internal": "2027-01-19", "hydrostatic": "2027-11-26"])
    }
}
