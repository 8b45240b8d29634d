import Domain
import Foundation
import Logging
import Maintenance
import Records

/// The maintenance side of the store in domain terms: completions checked by the policy, the
/// planner's state decoded. Storage keeps rows; these decide what the rows mean.
extension Store {
    /// Records a completed maintenance (SPEC §11) after `policy`'s checks, in one transaction,
    /// closing the device's open maintenance notices, and queues the accepted answer on
    /// `maintenance-results/{firm}`. Every path (CLI, MQTT, API) comes here.
    public func recordMaintenance(_ c: Completion, topics: Topics,
                                  policy: CompletionPolicy = CompletionPolicy()) throws(MaintenanceError) -> CompletionResult {
        do {
            // The device and firm first (unknown and not-yours read alike), then the worker.
            if let (_, device) = try registeredDevice(c.device), !policy.workerCertificates.isEmpty {
                try policy.check(c, deviceFirm: device.firm)
                var found: [String: Certificate] = [:]
                if let number = c.workerCert, let cert = try certificate(number) { found[number] = cert }
                try policy.checkWorker(c, type: device.type, days: localDays) { found[$0] }
            }
            return try insertMaintenance(c, closing: policy.closes,
                                         check: { firm in try policy.check(c, deviceFirm: firm) },
                                         answer: { CompletionAnswer.accepted(c, record: $0.record, closedNotices: $0.closedNotices, topics: topics) })
        } catch let error as MaintenanceError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    /// The planner's persisted per-device state. A state that cannot be decoded is logged and
    /// left out: that device's planning starts afresh rather than on a guess.
    func loadPlanStates(logger: Logger) throws(StoreError) -> [Int64: PlanState] {
        var out: [Int64: PlanState] = [:]
        let decoder = JSONDecoder()
        for (num, text) in try planStateRows() {
            do { out[num] = try decoder.decode(PlanState.self, from: Data(text.utf8)) }
            catch { logger.warning("unreadable maintenance state; the device's planning starts afresh", metadata: ["device_num": "\(num)", "error": "\(error)"]) }
        }
        return out
    }

    /// The planner's view of the device: regime, cycle and due maintenance (nil before the
    /// planner first saw it), and its usage counters.
    func maintenanceStatus(device: String) throws(StoreError) -> (status: MaintenanceStatusItem?, counters: [CounterItem]) {
        guard let text = try planStateText(device: device) else { return (nil, []) }
        let s: PlanState
        do { s = try JSONDecoder().decode(PlanState.self, from: Data(text.utf8)) }
        catch { throw StoreError.failed(operation: "read maintenance state of \(device)", reason: "unreadable: \(error)") }
        let status = MaintenanceStatusItem(
            regime: s.regime.rawValue, regimeSince: Instant(millis: s.regimeSince), cycleBegan: Instant(millis: s.baselineAt),
            lastRecord: s.record == 0 ? nil : s.record, dueTrigger: s.due?.trigger, dueReason: s.due?.reason,
            dueBy: s.due.map { Instant(millis: $0.dueBy) }, overdue: s.due?.overdue, lastSeen: s.lastSeen.map { Instant(millis: $0) })
        let counters = s.counters.sorted { $0.key < $1.key }.map {
            CounterItem(counter: $0.key, value: $0.value.last, usedSinceMaintenance: $0.value.used, resets: Int64($0.value.resets))
        }
        return (status, counters)
    }
}

/// A device's maintenance regime and cycle, as the planner keeps them.
public struct MaintenanceStatusItem: ResponseRow, Equatable {
    public var regime: String
    public var regimeSince: Instant?
    var cycleBegan: Instant?
    var lastRecord: Int64?
    var dueTrigger: String?
    var dueReason: String?
    /// When it is due (nil: no deadline).
    public var dueBy: Instant?
    public var overdue: Bool?
    /// When the device was last heard from.
    public var lastSeen: Instant?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case regime, regimeSince = "regime_since", cycleBegan = "cycle_began", lastRecord = "last_record", dueTrigger = "due_trigger"
        case dueReason = "due_reason", dueBy = "due_by", overdue, lastSeen = "last_seen"
    }
}

/// One usage counter: its last value, the usage since the last maintenance, and resets seen.
public struct CounterItem: ResponseRow, Equatable {
    public var counter: String
    /// The value.
    public var value: Double
    var usedSinceMaintenance: Double
    public var resets: Int64

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case counter, value, usedSinceMaintenance = "used_since_maintenance", resets
    }
}
