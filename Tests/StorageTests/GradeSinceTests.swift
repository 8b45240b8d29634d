import Domain
import Foundation
import Records
import Storage
import Testing
import TestSupport

@Suite("the store's grade_since: the first day of the current grade or worse")
struct GradeSinceTests {
    @Test("re-grading to the same grade keeps its first day; a better grade starts a new stretch")
    func gradeSince() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let num = try f.num("E2")
        func record(_ date: String, grade: Int, recorded at: Int64) throws {
            _ = try f.store.recordInspection(
                InspectionRecord(device: "E2", kind: "periodic", date: Day(parsing: date)!, result: .pass, grade: grade, inspector: nil,
                                 organisation: nil, reportNumber: nil, source: .cli, recordedBy: "t"), deviceNum: num, dueBefore: nil, at: at)
        }
        func since() throws -> String? { try f.store.registeredDevice("E2")?.record.gradeSince?.description }
        #expect(try since() == nil)   // the registry's grade alone: no records
        try record("2024-01-01", grade: 4, recorded: 1)
        try record("2025-01-01", grade: 4, recorded: 2)
        #expect(try since() == "2024-01-01")
        try record("2025-06-01", grade: 3, recorded: 3)
        #expect(try f.store.registeredDevice("E2")?.record.inspectionGrade == 3)
        try record("2026-01-01", grade: 4, recorded: 4)
        #expect(try since() == "2026-01-01")   // after the grade 3, a new stretch of grade 4
        try record("2026-01-01", grade: 5, recorded: 5)   // the same day, recorded later: the latest
        #expect(try f.store.registeredDevice("E2")?.record.inspectionGrade == 5)
        #expect(try since() == "2026-01-01")
    }
}
