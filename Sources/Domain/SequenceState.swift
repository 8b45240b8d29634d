/// Per-device sequence state: the highest `seq` seen and which of the 64 below it were seen.
///
/// Constant size per device (16 bytes), persisted with each commit so a restart keeps detecting
/// duplicates and gaps, including the gap left by messages lost to a `kill -9`.
public struct SequenceState: Sendable, Equatable {
    public var highest: UInt64
    /// Bit i set: `highest - i` was seen (bit 0 is `highest` itself).
    public var seen: UInt64

    public init(highest: UInt64, seen: UInt64) { (self.highest, self.seen) = (highest, seen) }
}
