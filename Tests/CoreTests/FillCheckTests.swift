import DeviceCatalog
import Domain
import Inspection
import Testing

/// The fill check (traceability): each fact on both sides of its threshold or date.
@Suite("Gas cylinder fill check")
struct FillCheckTests {
    static let type = RuleEngineTests.types["gas_cylinder"]!
    static let lpgStation = FillingStation(id: "st-a", name: "A", site: "s", licence: "TS-1", gases: ["LPG"], gateways: ["g"], firm: "f")
    static let today = Day(parsing: "2026-11-26")!

    /// A household LPG cylinder made `years` ago, inspected a year ago.
    func lpg(madeYearsAgo years: Int, extended: Bool = false) -> FillCheck.Cylinder {
        let made = Self.today.adding(years: -years)
        var attributes: [String: Scalar] = ["gas": .string("LPG"), "gas_category": .string("lpg_household"),
                                            "nominal_pressure_mpa": .number(2.1), "construction": .string("welded_steel"),
                                            "manufactured": .string(made.description)]
        if extended { attributes["life_extended"] = .bool(true) }
        return FillCheck.Cylinder(commissioned: made, lastInspections: ["periodic": Self.today.adding(years: -1)], grade: nil,
                                  failedInspections: [:], attributes: attributes)
    }

    func problems(_ c: FillCheck.Cylinder, station: FillingStation = lpgStation, fill: [String: Scalar] = [:]) -> [FillProblem] {
        FillCheck.findings(c, type: Self.type, station: station, fill: fill, today: Self.today).map(\.problem)
    }

    @Test("household LPG: 8 years of service life, one 4-year extension; 7 years fills, 9 does not unless extended, 13 never")
    func lpgServiceLife() {
        #expect(problems(lpg(madeYearsAgo: 7)).isEmpty)
        #expect(problems(lpg(madeYearsAgo: 9)) == [.pastServiceLife])
        #expect(problems(lpg(madeYearsAgo: 9, extended: true)).isEmpty)
        #expect(problems(lpg(madeYearsAgo: 13, extended: true)) == [.pastServiceLife])
        let end = FillCheck.serviceLifeEnd(lpg(madeYearsAgo: 9), type: Self.type)
        #expect(end?.day == Self.today.adding(years: -1))
        #expect(end?.basis.contains("8 years for lpg_household") == true)
    }

    @Test("other cylinders by the table: welded steel 20 years, seamless 30, vehicle CNG 15, corrosive 12, counted from manufacture")
    func serviceLifeTable() {
        func end(_ attributes: [String: String]) -> Day? {
            let c = FillCheck.Cylinder(commissioned: Day(parsing: "2001-06-01")!, lastInspections: [:], grade: nil, failedInspections: [:],
                                       attributes: attributes.mapValues { .string($0) }.merging(["manufactured": .string("2000-01-01")]) { a, _ in a })
            return FillCheck.serviceLifeEnd(c, type: Self.type)?.day
        }
        #expect(end(["gas_category": "industrial", "construction": "welded_steel"]) == Day(parsing: "2020-01-01"))
        #expect(end(["gas_category": "industrial", "construction": "seamless_steel"]) == Day(parsing: "2030-01-01"))
        #expect(end(["gas_category": "cng_vehicle", "construction": "seamless_steel"]) == Day(parsing: "2015-01-01"))
        #expect(end(["gas_category": "corrosive", "construction": "seamless_steel"]) == Day(parsing: "2012-01-01"))
    }

    @Test("an overdue or failed inspection, a scrapped cylinder, the wrong gas, an overfill and a failed pre-fill check are each refused")
    func eachProblem() {
        var c = lpg(madeYearsAgo: 3)
        #expect(problems(c).isEmpty)
        // Household LPG: 4, 4, 4 then 3 years; last inspected 5 years ago → overdue.
        c.lastInspections = ["periodic": Self.today.adding(years: -5)]
        c.commissioned = Self.today.adding(years: -6)
        #expect(problems(c) == [.inspectionOverdue])
        c = lpg(madeYearsAgo: 3)
        c.failedInspections = ["periodic": Self.today.adding(days: -2)]
        #expect(problems(c) == [.inspectionOverdue])
        c = lpg(madeYearsAgo: 3)
        c.attributes["scrapped"] = .bool(true)
        #expect(problems(c) == [.scrapped])
        c = lpg(madeYearsAgo: 3)
        let oxygen = FillingStation(id: "st-o", name: "O", site: "s", licence: "TS-2", gases: ["oxygen"], gateways: ["h"], firm: "f")
        #expect(problems(c, station: oxygen) == [.wrongGasForStation])
        #expect(problems(c, fill: ["gas": .string("CNG")]) == [.wrongGasForCylinder])
        #expect(problems(c, fill: ["fill_pressure_mpa": .number(2.1)]).isEmpty)      // at nominal
        #expect(problems(c, fill: ["fill_pressure_mpa": .number(2.15)]) == [.overfilled])
        c.attributes["max_fill_kg"] = .number(14.5)
        #expect(problems(c, fill: ["net_kg": .number(14.5)]).isEmpty)
        #expect(problems(c, fill: ["net_kg": .number(14.6)]) == [.overfilled])
        #expect(problems(c, fill: ["pre_fill_check": .string("pass")]).isEmpty)
        #expect(problems(c, fill: ["pre_fill_check": .string("fail")]) == [.preFillCheckFailed])
    }
}
