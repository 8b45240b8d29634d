import Domain
import DeviceCatalog
import Foundation
import Ingest
import Logging
import Maintenance
import Rules
import Records
import Services
import Storage

/// The maintenance planner on the worker thread, and its two inputs that do not come from
/// gateways: completed-maintenance reports on `{prefix}/maintenance/{firm}` and records written
/// by other processes (`equipwatch maintenance done`, later the HTTP API).
///
/// Every completion goes through the same store operation, which checks the firm and closes
/// notices; the planner learns of records by reading the ones it has not applied yet, so a
/// record written by any process starts the device's new cycle the same way.
final class MaintenanceStage {
    let planner: MaintenancePlanner
    private let store: any Store
    private let completionPrefix: [UInt8]
    private let topics: Topics
    private let tickMs: Int64
    private let logger: Logger
    private var cursor: Int64 = 0
    private var lastTick: Int64 = 0
    /// A completion arrived over MQTT: apply it at the next tick, not a full tick later.
    private var recordsWaiting = false

    init(planner: MaintenancePlanner, store: any Store, topics: Topics, tickMs: Int64, logger: Logger) {
        (self.planner, self.store) = (planner, store)
        completionPrefix = Array(topics.maintenance(firm: "").utf8)
        (self.topics, self.tickMs, self.logger) = (topics, tickMs, logger)
    }

    func isCompletion(_ topic: UnsafeRawBufferPointer) -> Bool {
        topic.count > completionPrefix.count && topic.starts(with: completionPrefix)
    }

    /// Records a firm's completion report (`CompletionReport` says what it holds); the firm is
    /// the topic's last level, which the broker's ACL binds to the firm's login. A refusal
    /// becomes a dead letter, and its answer on `maintenance-results/{firm}` tells the firm why.
    /// The completion policy of `directory`'s types (kept until the registry is replaced).
    private func policy(_ directory: DeviceDirectory) -> CompletionPolicy {
        if let (d, p) = completionPolicy, d === directory { return p }
        let p = CompletionPolicy(types: directory.types)
        completionPolicy = (directory, p)
        return p
    }
    private var completionPolicy: (DeviceDirectory, CompletionPolicy)?

    func complete(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64, directory: DeviceDirectory)
        -> (deadLetter: DeadLetter, answer: OutboxMessage?)? {
        let topicText = String(decoding: topic, as: UTF8.self)
        let firm = String(topicText.dropFirst(completionPrefix.count))
        func reject(_ reason: DeadLetterReason, _ detail: String, device: String? = nil) -> (deadLetter: DeadLetter, answer: OutboxMessage?) {
            (DeadLetter(receivedAt: receivedAt, reason: reason, detail: detail, topic: topicText, gateway: nil, device: device,
                        payload: Array(payload.prefix(65_536)), payloadSize: payload.count),
             CompletionAnswer.refused(firm: firm, device: device, reason: reason, detail: detail, receivedAt: receivedAt, topics: topics))
        }
        let completion: Completion
        switch CompletionReport.parse(payload, firm: firm, receivedAt: receivedAt) {
        case .success(let c): completion = c
        case .failure(let e): return reject(e.reason, e.detail, device: e.device)
        }
        let device = completion.device
        do {
            let r = try store.recordMaintenance(completion, topics: topics, policy: policy(directory))
            recordsWaiting = true
            logger.info("maintenance reported", metadata: ["device": "\(device)", "firm": "\(firm)", "record": "\(r.record)", "closed": "\(r.closedNotices)"])
            return nil
        } catch {
            switch error {
            // Unknown and not-yours read the same, so a firm learns nothing about other devices.
            case .unknownDevice, .notTheDevicesFirm:
                return reject(.wrongFirm, "device \(device) is not maintained by firm \(firm)", device: device)
            case .inTheFuture: return reject(.future, error.description, device: device)
            case .certificate: return reject(.certificate, error.description, device: device)
            case .store: return reject(.schema, error.description, device: device)
            }
        }
    }

    /// Applies new maintenance records, then runs the planner's clock (at most every `tickMs`).
    func tick(now: Int64, into planned: inout PlannerOutput) {
        guard planner.sweeping || recordsWaiting || now - lastTick >= tickMs else { return }
        if recordsWaiting || now - lastTick >= tickMs {
            lastTick = now
            recordsWaiting = false
            do {
                for r in try store.unappliedMaintenance(after: cursor) {
                    planner.apply(r, into: &planned)
                    cursor = max(cursor, r.id)
                }
            } catch {
                logger.error("cannot read maintenance records; retrying at the next tick", metadata: ["error": "\(error)"])
            }
        }
        // A sweep goes on at every call until done (`tickStep` devices each).
        planner.tick(now: now, into: &planned)
    }

    /// Before a commit: follow-ups of the commit's alarm changes; returns the planner state
    /// that moved, to be persisted with it.
    func prepare(alarms: [AlarmChange], _ planned: inout PlannerOutput, now: Int64, stopping: Bool) -> [(device: Int64, state: String)] {
        planner.observe(alarms: alarms, now: now, into: &planned)
        let states = planner.drainState(force: stopping, now: now)
        for (device, reason) in planner.unencodable {
            logger.error("cannot encode maintenance state; kept in memory and retried", metadata: ["device_num": "\(device)", "error": "\(reason)"])
        }
        return states
    }
}
