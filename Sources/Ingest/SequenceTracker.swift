import Domain

/// What a sequence number means for a device, given what came before.
public enum SequenceVerdict: Sendable, Equatable {
    /// The first seq ever seen for the device.
    case first
    /// The next one (highest + 1).
    case next
    /// Ahead of highest + 1: the numbers in between are missing (a gap event).
    case gap(missingFrom: UInt64, missingTo: UInt64)
    /// Behind the highest, within the window, not seen before: an out-of-order arrival, accepted.
    case late
    /// Seen before: dropped.
    case duplicate
    /// Far behind and small: the gateway restarted its counter (a reset event).
    case reset(previousHighest: UInt64)
    /// Far behind but not a restart: cannot be told from a duplicate; kept as a `stale` dead letter.
    case tooOld
}

/// Classifies sequence numbers (SPEC §2: duplicates dropped, gaps are events).
public enum SequenceTracker {
    /// How far behind the highest an out-of-order message is still recognised.
    public static let window: UInt64 = 64

    public static func observe(_ seq: UInt64, _ state: inout SequenceState?) -> SequenceVerdict {
        guard var s = state else {
            state = SequenceState(highest: seq, seen: 1)
            return .first
        }
        defer { state = s }
        if seq > s.highest {
            let distance = seq - s.highest
            s.seen = distance >= 64 ? 1 : (s.seen << distance) | 1
            let previous = s.highest
            s.highest = seq
            return distance == 1 ? .next : .gap(missingFrom: previous + 1, missingTo: seq - 1)
        }
        let behind = s.highest - seq
        if behind < window {
            let bit: UInt64 = 1 << behind
            if s.seen & bit != 0 { return .duplicate }
            s.seen |= bit
            return .late
        }
        // A restarted gateway counts again from 0 or 1; anything else this far back is ambiguous.
        if seq < window, s.highest >= 2 * window {
            let previous = s.highest
            s = SequenceState(highest: seq, seen: 1)
            return .reset(previousHighest: previous)
        }
        return .tooOld
    }
}
