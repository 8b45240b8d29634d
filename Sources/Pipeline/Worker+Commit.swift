import DeviceCatalog
import Domain
import Foundation
import Ingest
import Logging
import Maintenance
import Rules
import Records
import Services
import Storage

/// What the worker writes at a commit besides the messages: the decisions of the rules and the
/// planner as rows, and rows the store refused, quarantined as dead letters.
extension Worker {
    func quarantine(_ refused: [(row: CommitBatch, error: StoreError)]) -> Int {
        var letters = CommitBatch()
        for (row, error) in refused {
            let what = row.soleRowDescription
            let device = what.device.flatMap { num in directory.entries.first { $0.num == num } }
            let payload = Array(what.content.utf8.prefix(65_536))
            letters.deadLetters.append(DeadLetter(
                receivedAt: clock.now(), reason: .storeRejected, detail: "\(what.what): \(error)",
                topic: device.map { topics.device(gateway: $0.gateway, device: $0.id, kind: row.messages.first?.kind == .event ? .event : .telemetry) } ?? "",
                gateway: device?.gateway, device: device?.id, payload: payload, payloadSize: what.content.utf8.count))
            logger.error("the store refused a row; kept as a store_rejected dead letter", metadata: ["row": "\(what.what)", "error": "\(error)"])
        }
        do { try store.commit(letters) } catch {
            logger.critical("cannot even store the dead letters of refused rows", metadata: ["error": "\(error)", "rows": "\(refused.count)"])
        }
        pendingReasons[.storeRejected, default: 0] += refused.count
        return refused.reduce(0) { $0 + $1.row.messages.count }
    }

    /// Moves what rules and planner decided into the batch as rows: events, alarm changes with
    /// their feed payloads (also their incident timeline entries), notices and completions.
    /// Once per commit; `derived.alarms` stays for the statistics taken after it.
    func stageDecisions() {
        batch.events += derived.events
        batch.events += planned.events
        derived.events.removeAll(keepingCapacity: true)
        planned.events.removeAll(keepingCapacity: true)
        for change in derived.alarms {
            var payload: String?
            if change.isPublished {
                let message = AlarmFeed.message(change, topics: topics)
                batch.outbox.append(message)
                payload = message.payload
            }
            batch.alarms.append(AlarmWrite(change: change, payload: payload))
        }
        batch.notices += planned.notices
        batch.applied += planned.applied
        planned.notices.removeAll(keepingCapacity: true)
        planned.applied.removeAll(keepingCapacity: true)
        batch.noticeMessage = noticeMessage
        batch.settle = settler
    }

    static func settler(_ d: DeviceDirectory, topics: Topics, days: LocalDays) -> ComplianceSettler {
        ComplianceSettlement.settler(types: Dictionary(d.types.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }), topics: topics, days: days)
    }
}
