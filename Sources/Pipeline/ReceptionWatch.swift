import Domain

/// Whether the pipeline itself is receiving, from what it knows of its own parts: the broker
/// connection, the store, and how old the messages its worker is processing are. Pure; the
/// worker asks it on every tick and at a store failure or recovery, and passes its transitions
/// to the rules and the planner (silence during the pipeline's own outage is not the devices').
///
/// An outage starts when any part fails and ends when all are well again; its cause is the
/// first one seen. It ends `graceMs` before silence counts again: the time the broker's queued
/// messages and the backlog need to arrive.
struct ReceptionWatch {
    enum Transition: Equatable {
        /// Not receiving since `since` (wall clock), for `cause`.
        case lost(OutageCause, since: Int64)
        /// Receiving again at `at`; the outage ran from `since`.
        case regained(OutageCause, since: Int64, at: Int64)
    }

    let graceMs: Int64
    /// A broker connection down for less than this is a reconnect, not an outage (a session
    /// takeover or a network blip must not record an outage per second).
    let brokerDebounceMs: Int64 = 2000
    private(set) var outage: (cause: OutageCause, since: Int64)?

    init(graceMs: Int64) { self.graceMs = graceMs }

    /// `brokerDownSince`: when the broker connection was lost (nil: connected);
    /// `storeFailingSince`: when commits began to fail (nil: committing); `backlogMs`: how long
    /// ago the messages the worker is processing now arrived (0 when it has caught up).
    mutating func observe(brokerDownSince: Int64?, storeFailingSince: Int64?, backlogMs: Int64, now: Int64) -> Transition? {
        let failing: (OutageCause, Int64)? =
            if let since = brokerDownSince, now - since >= brokerDebounceMs { (.broker, since) }
            else if let since = storeFailingSince { (.store, since) }
            else if backlogMs > graceMs { (.backlog, now - backlogMs) }
            else { nil }
        switch (outage, failing) {
        case (nil, let (cause, since)?):
            outage = (cause, since)
            return .lost(cause, since: since)
        case (let current?, nil):
            outage = nil
            return .regained(current.cause, since: current.since, at: now)
        default:
            return nil
        }
    }

    /// From when silence counts after `transition`: never during an outage, `graceMs` after it.
    func hearingFrom(after transition: Transition) -> Int64 {
        switch transition {
        case .lost: .max
        case .regained(_, _, let at): at + graceMs
        }
    }
}
