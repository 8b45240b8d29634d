import Domain
import Ingest
import Testing

/// Every case of docs/ingest.md's sequence table.
struct SequenceTrackerTests {
    /// Observes `seq` at `ts`, keeping the newest accepted `ts` as the worker does.
    struct Device {
        var state: SequenceState?
        var newest: Int64?
        mutating func see(_ seq: UInt64, at ts: Int64) -> SequenceVerdict {
            let v = SequenceTracker.observe(seq, ts: ts, newestTs: newest, &state)
            if v != .needsStoreCheck { newest = max(newest ?? ts, ts) }
            return v
        }
    }

    @Test func nextGapLateAndWindowDuplicates() {
        var d = Device()
        #expect(d.see(10, at: 100) == .first)
        #expect(d.see(11, at: 110) == .next)
        #expect(d.see(11, at: 110) == .needsStoreCheck)  // the same message again: the store decides
        #expect(d.see(15, at: 150) == .gap(missingFrom: 12, missingTo: 14))
        #expect(d.see(13, at: 130) == .late)
        #expect(d.see(13, at: 130) == .needsStoreCheck)
        #expect(d.see(12, at: 120) == .late)
        #expect(d.see(1000, at: 10_000) == .gap(missingFrom: 16, missingTo: 999))
    }

    @Test("far behind with an older ts: checked against the store, never refused")
    func farBehindIsCheckedNotRefused() {
        var d = Device()
        _ = d.see(5, at: 50)
        _ = d.see(500, at: 5000)
        #expect(d.see(499, at: 4990) == .late)
        #expect(d.see(437, at: 4370) == .late)
        #expect(d.see(400, at: 4000) == .needsStoreCheck)
        #expect(d.see(6, at: 60) == .needsStoreCheck)
    }

    @Test("a counter that goes back while time moves forward starts a new epoch, at any distance")
    func resetWhenTimeMovesForward() {
        var d = Device()
        _ = d.see(1_000_000, at: 1_000)
        #expect(d.see(5_000, at: 2_000) == .reset(previousHighest: 1_000_000))
        #expect(d.see(5_001, at: 2_010) == .next)
        // Close behind the highest, too: a gateway restarted just after a few messages.
        #expect(d.see(4_990, at: 3_000) == .reset(previousHighest: 5_001))
        #expect(d.see(4_991, at: 3_010) == .next)
    }

    @Test("one huge seq does not poison the device; the full unsigned range is a seq")
    func hugeSeqs() {
        var d = Device()
        _ = d.see(1_000, at: 1_000)
        #expect(d.see(9_223_372_036_854_775_807, at: 1_010) == .gap(missingFrom: 1_001, missingTo: 9_223_372_036_854_775_806))
        #expect(d.see(1_001, at: 1_020) == .reset(previousHighest: 9_223_372_036_854_775_807))
        #expect(d.see(1_002, at: 1_030) == .next)
        #expect(d.see(UInt64.max, at: 1_040) == .gap(missingFrom: 1_003, missingTo: UInt64.max - 1))
        #expect(d.see(1_003, at: 1_050) == .reset(previousHighest: UInt64.max))
    }

    @Test("a flush newest-first: 1..400, 701..710, then 401..700 with their older ts; none refused")
    func outOfOrderFlush() {
        var d = Device()
        for s in UInt64(1)...400 { _ = d.see(s, at: Int64(s) * 10) }
        for s in UInt64(701)...710 { _ = d.see(s, at: Int64(s) * 10) }
        var late = 0, checked = 0
        for s in UInt64(401)...700 {
            switch d.see(s, at: Int64(s) * 10) {
            case .late: late += 1
            case .needsStoreCheck: checked += 1
            default: Issue.record("seq \(s): unexpected verdict")
            }
        }
        #expect(late + checked == 300)
        #expect(late == 54)  // 647..700 are within the window of 64 below 710
    }
}
