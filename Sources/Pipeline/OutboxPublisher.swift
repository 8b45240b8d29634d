import Domain
import Foundation
import Logging
import MQTT
import Records
import Services
import Storage

/// Publishes the store's outbox (alarm feed, notices) at QoS 1 and deletes each message once the
/// broker has acknowledged it.
///
/// The outbox row is written in the same transaction as the alarm change that caused it, so a
/// change is published if and only if it was stored: a broker that is down delays the message, a
/// crash before the acknowledgement repeats it (at least once; consumers deduplicate on the
/// message's id and transition), nothing is lost. Own thread and own connection, so a slow or
/// absent broker never stalls ingest.
final class OutboxPublisher: @unchecked Sendable {
    private let store: any Store
    private let options: MQTTOptions
    private let logger: Logger
    private let condition = NSCondition()
    private var running = false
    private var woken = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    /// Broker message id → outbox id, for messages published and not yet acknowledged.
    private var inFlight: [Int32: Int64] = [:]
    private var acked: [Int64] = []
    /// Acknowledgements that arrived before `publish` returned the message id.
    private var early: Set<Int32> = []
    private var _published = 0

    init(store: any Store, options: MQTTOptions, logger: Logger) { (self.store, self.options, self.logger) = (store, options, logger) }

    var published: Int { condition.withLock { _published } }

    func start() {
        condition.withLock { running = true }
        let t = Thread { [self] in loop(); done.signal() }
        t.name = "outbox"
        thread = t
        t.start()
    }

    /// A commit wrote outbox rows: publish now rather than at the next poll.
    func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    /// Stops after publishing what it can within `drainFor` seconds; the rest stays in the
    /// outbox for the next start.
    func stop(drainFor seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !outboxEmpty() { Thread.sleep(forTimeInterval: 0.02) }
        condition.withLock {
            running = false
            condition.signal()
        }
        if thread != nil { done.wait() }
    }

    /// Whether everything queued has been published; a store that cannot be read ends the wait
    /// (the rows stay for the next start).
    private func outboxEmpty() -> Bool {
        do { return try store.outbox(after: 0, limit: 1).isEmpty } catch {
            logger.error("cannot read the outbox while stopping; what is left goes out at the next start", metadata: ["error": "\(error)"])
            return true
        }
    }

    private func loop() {
        var publisher: Publisher?
        var lastQueued: Int64 = 0
        var wasConnected = false
        while condition.withLock({ running }) {
            if publisher == nil {
                do {
                    let p = try Publisher(options: options, window: 200) { [weak self] mid in self?.acknowledged(mid) }
                    try p.start(timeout: 5)
                    publisher = p
                } catch {
                    logger.warning("outbox: broker unavailable, retrying", metadata: ["error": "\(error)"])
                    wait(seconds: 1)
                    continue
                }
            }
            guard let p = publisher else { continue }
            let connected = p.isConnected
            if connected, !wasConnected {
                // (Re)connected: anything not acknowledged is published again from the start.
                condition.withLock { inFlight.removeAll(); early.removeAll() }
                lastQueued = 0
            }
            wasConnected = connected
            flushAcknowledged()
            if connected {
                do {
                    // Stay below the publisher's window, so a broker that stops acknowledging
                    // makes this loop wait here rather than block inside publish().
                    let room = 150 - condition.withLock { inFlight.count }
                    for row in room > 0 ? try store.outbox(after: lastQueued, limit: room) : [] {
                        let mid = try p.publish(topic: row.topic, payload: Array(row.payload.utf8), qos: 1)
                        condition.withLock {
                            if early.remove(mid) != nil { acked.append(row.id) } else { inFlight[mid] = row.id }
                        }
                        lastQueued = row.id
                    }
                } catch {
                    logger.warning("outbox: publish failed, will retry", metadata: ["error": "\(error)"])
                }
            }
            wait(seconds: 0.05)
        }
        flushAcknowledged()
        publisher?.stop()
    }

    private func wait(seconds: Double) {
        condition.withLock {
            if !woken && running { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
            woken = false
        }
    }

    private func acknowledged(_ mid: Int32) {
        condition.withLock {
            if let id = inFlight.removeValue(forKey: mid) { acked.append(id) } else { early.insert(mid) }
        }
    }

    private func flushAcknowledged() {
        let ids = condition.withLock { () -> [Int64] in
            defer { acked.removeAll() }
            return acked
        }
        guard !ids.isEmpty else { return }
        do {
            try store.deleteOutbox(ids)
            condition.withLock { _published += ids.count }
        } catch {
            logger.error("outbox: cannot delete published messages (they may be sent again)", metadata: ["error": "\(error)"])
        }
    }
}
