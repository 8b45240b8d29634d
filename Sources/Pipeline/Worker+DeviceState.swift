import Domain
import Foundation
import Ingest
import Records
import Services
import Storage

/// The worker's per-device bookkeeping, as pure functions of a device's state and a message.
extension Worker {
    /// Applies `m` to a device's state: sequence window, then (unless it must be checked against
    /// the store first) the counters. Returns the sequence verdict (nil without `seq`) and
    /// whether `m` is the newest reading.
    static func update(_ state: inout DeviceStateUpdate, with m: AcceptedMessage) -> (SequenceVerdict?, Bool) {
        var verdict: SequenceVerdict?
        if let seq = m.seq {
            let v = SequenceTracker.observe(seq, ts: m.ts, newestTs: state.lastTs, &state.sequence)
            verdict = v
            if case .needsStoreCheck = v { return (v, false) }
        }
        return (verdict, count(&state, m))
    }

    /// Counts an accepted message; returns whether it is the device's newest reading.
    static func count(_ state: inout DeviceStateUpdate, _ m: AcceptedMessage) -> Bool {
        state.messages += 1
        let newest = m.ts >= (state.lastTs ?? m.ts)
        if newest { state.lastTs = m.ts }
        state.lastReceivedAt = m.receivedAt
        return newest
    }

    /// Device states arranged by position in `directory` (new devices start empty).
    static func byPosition(_ states: [Int64: DeviceStateUpdate], in directory: DeviceDirectory) -> [DeviceStateUpdate] {
        directory.entries.map { states[$0.num] ?? DeviceStateUpdate() }
    }
}

/// CPU time the calling thread has used (user and system).
func threadCPUNanos() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}
