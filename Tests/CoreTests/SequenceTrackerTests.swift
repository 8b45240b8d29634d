import Domain
import Ingest
import Testing

@Suite struct SequenceTrackerTests {
    @Test func classifiesNextGapLateDuplicateAndReset() {
        var s: SequenceState?
        #expect(SequenceTracker.observe(10, &s) == .first)
        #expect(SequenceTracker.observe(11, &s) == .next)
        #expect(SequenceTracker.observe(11, &s) == .duplicate)
        #expect(SequenceTracker.observe(15, &s) == .gap(missingFrom: 12, missingTo: 14))
        #expect(SequenceTracker.observe(13, &s) == .late)
        #expect(SequenceTracker.observe(13, &s) == .duplicate)
        #expect(SequenceTracker.observe(10, &s) == .duplicate)
        #expect(SequenceTracker.observe(12, &s) == .late)
        #expect(SequenceTracker.observe(1000, &s) == .gap(missingFrom: 16, missingTo: 999))
        #expect(SequenceTracker.observe(900, &s) == .tooOld)
        #expect(SequenceTracker.observe(1, &s) == .reset(previousHighest: 1000))
        #expect(SequenceTracker.observe(2, &s) == .next)
    }

    @Test func aLargeJumpForgetsTheOldWindowWithoutFalseDuplicates() {
        var s: SequenceState?
        _ = SequenceTracker.observe(5, &s)
        _ = SequenceTracker.observe(500, &s)
        #expect(SequenceTracker.observe(499, &s) == .late)
        #expect(SequenceTracker.observe(437, &s) == .late)
    }
}
