import Domain
import Foundation
import Logging
import Maintenance
import Storage

/// The maintenance side of the store in domain terms: completions checked by the policy, the
/// planner's state decoded. Storage keeps rows; these decide what the rows mean.
extension Store {
    /// Records a completed maintenance (SPEC §11) after `policy`'s checks, in one transaction,
    /// closing the device's open maintenance notices. Every path (CLI, MQTT, API) comes here.
    public func recordMaintenance(_ c: Completion, policy: CompletionPolicy = CompletionPolicy()) throws(MaintenanceError) -> CompletionResult {
        do {
            return try insertMaintenance(c, closing: policy.closes) { firm in try policy.check(c, deviceFirm: firm) }
        } catch let error as MaintenanceError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    /// The planner's persisted per-device state. A state that cannot be decoded is logged and
    /// left out: that device's planning starts afresh rather than on a guess.
    public func loadPlanStates(logger: Logger) throws(StoreError) -> [Int64: PlanState] {
        var out: [Int64: PlanState] = [:]
        let decoder = JSONDecoder()
        for (num, text) in try planStateRows() {
            do { out[num] = try decoder.decode(PlanState.self, from: Data(text.utf8)) }
            catch { logger.warning("unreadable maintenance state; the device's planning starts afresh", metadata: ["device_num": "\(num)", "error": "\(error)"]) }
        }
        return out
    }

    /// The planner's view of the device: regime, cycle, due maintenance and usage counters.
    public func maintenanceStatus(device: String) throws(StoreError) -> (status: ResultTable, counters: ResultTable) {
        var status = ResultTable(columns: ["regime", "regime_since", "cycle_began", "last_record", "due_trigger", "due_reason", "due_by", "overdue", "last_seen"])
        var counters = ResultTable(columns: ["counter", "value", "used_since_maintenance", "resets"])
        guard let text = try planStateText(device: device) else { return (status, counters) }
        let s: PlanState
        do { s = try JSONDecoder().decode(PlanState.self, from: Data(text.utf8)) }
        catch { throw StoreError.failed(operation: "read maintenance state of \(device)", reason: "unreadable: \(error)") }
        func time(_ ms: Int64?) -> ResultTable.Cell { ms.map { .text(Timestamp.format($0)) } ?? .null }
        status.rows.append([
            .text(s.regime.rawValue), time(s.regimeSince), time(s.baselineAt), s.record == 0 ? .null : .int(s.record),
            s.due.map { .text($0.trigger) } ?? .null, s.due.map { .text($0.reason) } ?? .null, time(s.due?.dueBy),
            s.due.map { .bool($0.overdue) } ?? .null, time(s.lastSeen),
        ])
        for (name, c) in s.counters.sorted(by: { $0.key < $1.key }) {
            counters.rows.append([.text(name), .double(c.last), .double(c.used), .int(Int64(c.resets))])
        }
        return (status, counters)
    }
}
