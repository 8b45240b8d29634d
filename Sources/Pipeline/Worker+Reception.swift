import Services
import Rules
import Records
import Maintenance
import CoreMetrics
import Domain
import Foundation
import Logging

/// The pipeline's own outages, as the worker sees them: it tells the rules and the planner from
/// when silence is the devices' again, and records each outage once for supervisors.
extension Worker {
    /// Tells the rules and the planner whether the pipeline is receiving, when that changes, and
    /// records the outage for supervisors. `backlogMs`: how old the queued messages are.
    func watchReception(backlogMs: Int64) {
        let now = clock.now()
        guard let t = reception.observe(brokerDownSince: brokerDownSince(), storeFailingSince: stats.storeFailure?.since,
                                        backlogMs: backlogMs, now: now) else { return }
        let from = reception.hearingFrom(after: t)
        hook.hearing(from: from)
        maintenance?.planner.hearing(from: from)
        switch t {
        case .lost(let cause, let since):
            receiving.record(0)
            pendingOutages.append((cause, since, nil))
            logger.warning("the pipeline is not receiving (\(cause.rawValue)): silence is not counted against devices until it receives again",
                           metadata: ["cause": "\(cause.rawValue)", "since": "\(Timestamp.format(since))"])
        case .regained(let cause, let since, let at):
            receiving.record(1)
            outagesTotal.increment()
            pendingOutages.append((cause, since, at))
            logger.notice("the pipeline receives again: silence counts from the end of the grace",
                          metadata: ["cause": "\(cause.rawValue)", "outage_s": "\((at - since) / 1000)",
                                     "grace_s": "\(reception.graceMs / 1000)"])
        }
        writeOutages()
    }

    /// Writes the outage rows waiting; keeps them while the store refuses.
    func writeOutages() {
        while let o = pendingOutages.first {
            do { try store.recordOutage(cause: o.cause, startedAt: o.since, endedAt: o.end) } catch { return }
            pendingOutages.removeFirst()
        }
    }
}
