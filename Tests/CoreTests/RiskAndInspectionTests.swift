import Source
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
        RiskInputs(type: "elevator", consequence: RuleEngineTests.types["elevator"]!.consequence, siteCategory: category, peopleExposed: people,
                   attributes: ["design_life_years": .number(20)], commissioned: Day(parsing: "2016-11-25")!, inspectionGrade: nil)
    }

    func value(_ g: RiskGrade, _ name: String) -> Double? { g.factors.first { $0.name == name }?.value }

    @Test("a trapped-passenger incident makes a school's and a factory's elevator red; without it the school's is yellow (a priority place), the factory's blue (hand-computed on the LEC scales)")
    func schoolVersusFactory() {
        // 3 (critical, fired now) + 2 (it opened an incident) = 5 points: row ≥ 4 of alarms.points, L = 6.
        var school = elevator(site: "school", people: 2400)
        var factory = elevator(site: "industrial", people: 600)
        let trapped = (severity: "critical", firedAt: Self.now, incident: true)
        school.alarms = [trapped]
        factory.alarms = [trapped]
        let s = Self.model.grade(school, now: Self.now)
        let f = Self.model.grade(factory, now: Self.now)
        #expect(s.likelihood == 6 && f.likelihood == 6)
        // Both used daily: E = 6 (exposure.by_location). School: C = 15 raised one step (a priority
        // place; 2400 people is no crowd step) = 40, D = 1440. Factory: C = 15, D = 540. Both extreme.
        #expect(s.exposure == 6 && f.exposure == 6)
        #expect(s.consequence == 40 && f.consequence == 15)
        #expect(s.score == 1440 && f.score == 540)
        #expect(s.grade == .red && f.grade == .red && f.band == "extreme")
        #expect(value(s, "alarm_history") == 6)
        #expect(s.factors.first { $0.name == "alarm_history" }?.input.contains("row ≥ 4 of likelihood.alarms.points") == true)
        #expect(value(s, "use") == 6 && s.factors.first { $0.name == "use" }?.input == "elevator at a school site, in use daily (exposure.by_location.school)")
        #expect(value(s, "location") == 40)
        #expect(value(f, "location") == 15)
        #expect(s.model.hasPrefix("lec-3+"))
        // Without the incident: 0.2 × 6 × 40 = 48, moderate → yellow; 0.2 × 6 × 15 = 18, acceptable → blue.
        let quietSchool = Self.model.grade(elevator(site: "school", people: 2400), now: Self.now)
        #expect(quietSchool.score == 48 && quietSchool.band == "moderate" && quietSchool.grade == .yellow)
        let quietFactory = Self.model.grade(elevator(site: "industrial", people: 600), now: Self.now)
        #expect(quietFactory.score == 18 && quietFactory.band == "acceptable" && quietFactory.grade == .blue)
        // Every L, E and C in a breakdown is a value of its textbook scale.
        for g in [s, f, quietSchool, quietFactory] {
            #expect(Self.model.spec.scales.L.contains(g.likelihood))
            #expect(Self.model.spec.scales.E.contains(g.exposure))
            #expect(Self.model.spec.scales.C.contains(g.consequence))
        }
    }

    @Test("E is how often people are exposed (how the equipment is used), head counts weigh in C: the place or the crowd, not both")
    func exposureFromUse() {
        // A hospital's elevators run all day: E = 10; a stadium's on event days: E = 3.
        let hospital = Self.model.grade(elevator(site: "hospital", people: 8000), now: Self.now)
        #expect(hospital.exposure == 10 && hospital.consequence == 40 && hospital.score == 80 && hospital.grade == .yellow)
        let stadium = Self.model.grade(elevator(site: "stadium", people: 20000), now: Self.now)
        #expect(stadium.exposure == 3 && stadium.consequence == 40)   // place 1 step, crowd (≥ 10000) 1 step: one step
        // A crowd where the law names no priority place: 12,000 residents raise C one step.
        let estate = Self.model.grade(elevator(site: "residential", people: 12000), now: Self.now)
        #expect(estate.exposure == 6 && estate.consequence == 40)
        #expect(Self.model.grade(elevator(site: "residential", people: 9999), now: Self.now).consequence == 15)
        // A type's own use wins over the site's: a boiler at a hospital is attended daily, not continuously.
        let boiler = RiskInputs(type: "boiler", consequence: RuleEngineTests.types["boiler"]!.consequence, siteCategory: "hospital",
                                peopleExposed: 8000, attributes: [:], commissioned: Day(parsing: "2016-11-25")!, inspectionGrade: nil)
        #expect(Self.model.grade(boiler, now: Self.now).exposure == 6)
        // A category nobody listed: exposure.unknown (daily).
        #expect(Self.model.grade(elevator(site: "cinema", people: 500), now: Self.now).exposure == 6)
    }

    @Test("findings pick rows; several findings of at least 1 compound one step each; a vessel's grade and C steps")
    func likelihoodFactors() {
        var i = elevator(site: "residential", people: 5000)
        i.alarms = [(severity: "critical", firedAt: Self.now - 30 * 86_400_000, incident: false),
                    (severity: "major", firedAt: Self.now - 100 * 86_400_000, incident: false)]
        i.overdueInspections = ["periodic due 2026-06-01"]
        i.inspectionOverdueDays = 177
        i.maintenanceOverdue = 1
        i.monitoringGaps = 9
        let g = Self.model.grade(i, now: Self.now)
        #expect(value(g, "alarm_history") == 1)       // 3 halved after 30 days = 1.5 points: row ≥ 0.5; the 100-day-old one is outside 90 days
        #expect(value(g, "inspection_overdue") == 3)  // 177 days: row ≥ 90
        #expect(value(g, "maintenance_overdue") == 1)
        #expect(value(g, "monitoring_gaps") == 1)     // 9 gaps: row ≥ 3
        #expect(value(g, "compound") == 10)           // 4 findings ≥ 1: 3 raised 3 steps (6, 10, 10)
        #expect(g.likelihood == 10)
        #expect(g.score == 10 * 6 * 15)
        // A pressure vessel at a hospital: attended daily, E = 6; C = 40 + 1 step (hospital; 8000 ×
        // 0.1 = 800 people is no crowd step) = 100; grade 4 (monitored use) is L = 1: D = 600, red.
        var v = RiskInputs(type: "pressure_vessel", consequence: RuleEngineTests.types["pressure_vessel"]!.consequence, siteCategory: "hospital", peopleExposed: 8000,
                           attributes: ["design_pressure_mpa": .number(2.5), "volume_m3": .number(30), "medium_hazard": .string("inert")],
                           commissioned: Day(parsing: "2021-03-03")!, inspectionGrade: 4)
        let pv = Self.model.grade(v, now: Self.now)
        #expect(pv.exposure == 6)
        #expect(pv.consequence == 100)
        #expect(pv.likelihood == 1)
        #expect(pv.score == 600 && pv.grade == .red)
        // Oxygen is an oxidiser (not inert): a step up the C scale where the place gave none.
        var oxygen = v
        oxygen.siteCategory = "industrial"
        oxygen.attributes["medium_hazard"] = .string("oxidizing")
        #expect(Self.model.grade(oxygen, now: Self.now).consequence == 100)
        // Industrial, inert, small: C stays 40; toxic raises it a step to 100; grade 5 is L = 10.
        v.siteCategory = "industrial"
        #expect(Self.model.grade(v, now: Self.now).consequence == 40)
        v.attributes["medium_hazard"] = .string("toxic")
        #expect(Self.model.grade(v, now: Self.now).consequence == 100)
        v.inspectionGrade = 5
        #expect(Self.model.grade(v, now: Self.now).likelihood == 10)
    }

    @Test("an inspection 89 days overdue is L 1, 90 days L 3; a failed one is L 6; two findings of at least 1 compound")
    func overdueRows() {
        var i = elevator(site: "residential", people: 5000)
        i.overdueInspections = ["periodic due 2026-08-27"]
        i.inspectionOverdueDays = 89
        #expect(Self.model.grade(i, now: Self.now).likelihood == 1)
        i.inspectionOverdueDays = 90
        #expect(Self.model.grade(i, now: Self.now).likelihood == 3)
        i.maintenanceOverdue = 1
        #expect(Self.model.grade(i, now: Self.now).likelihood == 6)  // 3, one step up for the second finding
        var failed = elevator(site: "residential", people: 5000)
        failed.failedInspections = ["periodic failed on 2026-11-20"]
        #expect(Self.model.grade(failed, now: Self.now).likelihood == 6)
    }

    @Test("age past design life alone never makes a device red: every type, every location, the worst medium, the largest site")
    func ageAloneIsNeverRed() throws {
        let catalog = try Catalog.load(directory: RuleEngineTests.root + "/Devices")
        let people = catalog.fleet.sites.compactMap(\.peopleExposed).max() ?? 0
        #expect(people >= 10_000)
        let c = Self.model.spec.consequence
        let worstMedium = c.medium.steps.max { $0.value < $1.value }?.key ?? ""
        for (name, type) in catalog.types {
            for category in Array(c.location_steps.keys) + ["residential", "industrial"] {
                let old = RiskInputs(type: name, consequence: type.consequence, siteCategory: category, peopleExposed: people,
                                     attributes: ["design_life_years": .number(10), "medium_hazard": .string(worstMedium),
                                                  "design_pressure_mpa": .number(30), "volume_m3": .number(100)],
                                     commissioned: Day(parsing: "1990-01-01")!, inspectionGrade: nil)
                let g = Self.model.grade(old, now: Self.now)
                #expect(value(g, "age") == 0.5)
                #expect(g.grade != .red, "\(name) at a \(category): D = \(g.score)")
            }
        }
    }

    @Test("a broken risk model is rejected with file, line and reason")
    func brokenModel() throws {
        let text = try String(contentsOfFile: RuleEngineTests.root + "/Rules/risk.yaml", encoding: .utf8)
        let broken = text.replacingOccurrences(of: "{band: high, at_least: 160, grade: orange}", with: "{band: high, at_least: 400, grade: orange}")
            .replacingOccurrences(of: "half_life: 30d", with: "half_life: soon")
            .replacingOccurrences(of: "inspection_failed: 6", with: "inspection_failed: 5")
        do {
            _ = try RiskModel.parse(broken, file: "risk.yaml")
            Issue.record("accepted a broken model")
        } catch {
            let lines = error.errors.map(\.description)
            #expect(lines.contains { $0.hasPrefix("risk.yaml:") && $0.contains("'soon' is not a positive duration") })
            #expect(lines.contains { $0.contains("bands must be listed from the highest at_least down") })
            #expect(lines.contains { $0.contains("5 is not on the L scale") })
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
        // Elevators: service years 1, 4, 7, ... then yearly after year 15, on the anniversaries; the
        // self-test in the other years. 2026-11-01 is year 7's (counted for the nearest anniversary).
        #expect(dues("elevator", "2019-12-19", ["periodic": "2026-11-01"]) == ["periodic": "2028-12-19", "self_test": "2027-12-19"])
        // 2026-05-19 is 7 months before year 7's anniversary: a late one for year 6, not year 7's.
        #expect(dues("elevator", "2019-12-19", ["periodic": "2026-05-19"])["periodic"] == "2026-12-19")
        #expect(dues("elevator", "2019-12-19", ["periodic": "2026-09-24"])["periodic"] == "2028-12-19")
        // A month late for year 19's (2026-05-31): year 20's falls due on its anniversary.
        #expect(dues("elevator", "2007-05-31", ["periodic": "2026-07-03"])["periodic"] == "2027-05-31")
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
        // Other cylinders: corrosive every 2 years, industrial 3, inert 5; vehicle CNG 3, 3, then every 2.
        func cylinder(_ category: String, _ commissioned: String, _ last: String?) -> String? {
            dues("gas_cylinder", commissioned, last.map { ["periodic": $0] } ?? [:], ["gas_category": .string(category)])["periodic"]
        }
        #expect(cylinder("corrosive", "2020-01-01", "2024-03-01") == "2026-03-01")
        #expect(cylinder("industrial", "2020-01-01", "2024-03-01") == "2027-03-01")
        #expect(cylinder("inert", "2020-01-01", "2024-03-01") == "2029-03-01")
        #expect(cylinder("cng_vehicle", "2020-01-01", nil) == "2023-01-01")
        #expect(cylinder("cng_vehicle", "2020-01-01", "2023-01-01") == "2026-01-01")
        #expect(cylinder("cng_vehicle", "2020-01-01", "2026-01-01") == "2028-01-01")
        // Forklifts yearly (TSG 81-2022); a vessel's annual check and safety valves yearly (TSG 21-2016).
        #expect(dues("forklift", "2020-01-01", ["periodic": "2026-02-03"])["periodic"] == "2027-02-03")
        let vessel = dues("pressure_vessel", "2020-01-01", ["annual_check": "2026-02-03", "safety_valve": "2026-04-05", "periodic": "2025-01-01"], grade: 2)
        #expect(vessel["annual_check"] == "2027-02-03" && vessel["safety_valve"] == "2027-04-05")
        // Boilers: external yearly, internal every 2, hydrostatic every 6 years.
        let steam: [String: Scalar] = ["kind": .string("steam")]
        #expect(dues("boiler", "2014-05-05", ["external": "2026-05-23", "internal": "2025-01-19", "hydrostatic": "2021-11-26"], steam)
                == ["external": "2027-05-23", "internal": "2027-01-19", "hydrostatic": "2027-11-26"])
        // Power station boilers: the first internal inspection 1 year after commissioning, then every 3.
        let power: [String: Scalar] = ["kind": .string("power_station")]
        #expect(dues("boiler", "2026-03-01", [:], power)["internal"] == "2027-03-01")
        #expect(dues("boiler", "2026-03-01", [:], steam)["internal"] == "2028-03-01")
        #expect(dues("boiler", "2020-03-01", ["internal": "2021-03-01"], power)["internal"] == "2024-03-01")
        #expect(dues("boiler", "2020-03-01", ["internal": "2024-02-20"], power)["internal"] == "2027-02-20")
    }
}
