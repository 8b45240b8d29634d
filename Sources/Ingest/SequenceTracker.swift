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
    /// Behind the highest while its `ts` is newer than anything accepted: the gateway counts
    /// again (a restart, a new controller, an epoch-based counter). A new epoch begins here.
    case reset(previousHighest: UInt64)
    /// Seen before in this epoch, or too far behind for the window to tell, with a `ts` that is
    /// not new: a true duplicate only if the very same message (device, kind, ts, seq) is stored
    /// already. The caller asks the store; a message that is not there is stored as late.
    case needsStoreCheck
}

/// Classifies sequence numbers (SPEC §2). Duplicates are dropped only when the same message is
/// stored; gaps are events; a counter that goes backwards while time moves forward is a new
/// epoch. No verdict keeps a valid reading or event out of the store for sequence reasons alone.
public enum SequenceTracker {
    /// How far behind the highest the in-memory window recognises an out-of-order message.
    public static let window: UInt64 = 64

    /// - Parameters:
    ///   - ts: the message's reading time.
    ///   - newestTs: the newest reading time accepted so far for the device (nil: none).
    public static func observe(_ seq: UInt64, ts: Int64, newestTs: Int64?, _ state: inout SequenceState?) -> SequenceVerdict {
        guard var s = state else {
            state = SequenceState(highest: seq, seen: 1)
            return .first
        }
        defer { state = s }
        if seq > s.highest {
            let distance = seq - s.highest
            s.seen = distance >= window ? 1 : (s.seen << distance) | 1
            let previous = s.highest
            s.highest = seq
            return distance == 1 ? .next : .gap(missingFrom: previous + 1, missingTo: seq - 1)
        }
        // At or behind the highest, but newer than anything accepted: the counter went back.
        if let newestTs, ts > newestTs {
            let previous = s.highest
            s = SequenceState(highest: seq, seen: 1)
            return .reset(previousHighest: previous)
        }
        let behind = s.highest - seq
        if behind < window {
            let bit: UInt64 = 1 << behind
            if s.seen & bit != 0 { return .needsStoreCheck }
            s.seen |= bit
            return .late
        }
        return .needsStoreCheck
    }
}
