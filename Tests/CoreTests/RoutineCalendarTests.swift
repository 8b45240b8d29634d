import Domain
import Inspection
import Testing

@Suite("owners' routine periods (SAMR Order 74): days, ISO weeks, months; what is owed")
struct RoutineCalendarTests {
    static func d(_ s: String) -> Day { Day(parsing: s)! }

    @Test("ISO weeks run Monday to Sunday and belong to the year of their Thursday; 2026 has 53 weeks, 2025 52")
    func weeks() {
        #expect(RoutineKind.weekly.period(of: Self.d("2026-12-07")).key == "2026-W50")
        #expect(RoutineKind.weekly.period(of: Self.d("2026-12-13")).key == "2026-W50")
        #expect(RoutineKind.weekly.period(of: Self.d("2026-12-14")).key == "2026-W51")
        #expect(RoutineKind.weekly.period(of: Self.d("2027-01-01")).key == "2026-W53")
        #expect(RoutineKind.weekly.period(of: Self.d("2025-12-29")).key == "2026-W01")
        #expect(RoutineCalendar.isPeriodKey("2026-W53", of: .weekly))
        #expect(!RoutineCalendar.isPeriodKey("2025-W53", of: .weekly))
        #expect(!RoutineCalendar.isPeriodKey("2026-W7", of: .weekly))
        #expect(RoutineCalendar.isPeriodKey("2026-12", of: .monthly) && !RoutineCalendar.isPeriodKey("2026-13", of: .monthly))
        #expect(RoutineCalendar.isPeriodKey("2026-02-28", of: .daily) && !RoutineCalendar.isPeriodKey("2026-02-30", of: .daily))
        #expect(RoutineKind.monthly.period(of: Self.d("2026-02-10")).last == Self.d("2026-02-28"))
    }

    @Test("owed: periods that began on or after the staff were named and ended by the day asked; none before")
    func owed() {
        let since = Self.d("2026-12-02")  // a Wednesday
        #expect(RoutineCalendar.due(.daily, since: since, from: Self.d("2026-11-01"), through: Self.d("2026-12-06")).map(\.key)
                == ["2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"])
        // The week it was named in began before: not owed. The next week is owed once it has ended.
        #expect(RoutineCalendar.due(.weekly, since: since, from: since, through: Self.d("2026-12-13")).map(\.key) == ["2026-W50"])
        #expect(RoutineCalendar.due(.weekly, since: since, from: since, through: Self.d("2026-12-12")).isEmpty)
        #expect(RoutineCalendar.due(.monthly, since: since, from: since, through: Self.d("2027-01-31")).map(\.key) == ["2027-01"])
        #expect(RoutineKind.holderOfEach == [.safetyOfficer, .safetyDirector, .principal])
    }
}

extension RoutineKind {
    static var holderOfEach: [StaffRole] { allCases.map(\.holder) }
}
