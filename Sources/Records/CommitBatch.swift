import Domain
import Foundation

/// Builds the outbox message of a notice once the store has given it its id.
public typealias NoticeMessage = @Sendable (_ id: Int64, _ notice: NoticeDraft) -> OutboxMessage

/// Everything one commit writes, in one transaction: accepted messages, derived events, alarm
/// changes, notices, dead letters, gateway status changes and the per-device state they moved.
///
/// Rows and bytes only: what to write was decided above (validation, rules, planner), and every
/// outbound payload arrives already built. Bounded by the pipeline (commit size and interval), so
/// its memory is bounded too.
public struct CommitBatch: Sendable {
    /// Accepted readings and device events to store.
    public var messages: [AcceptedMessage] = []
    /// Events the pipeline derived (sequence checks, bands, rules, planner).
    public var events: [DerivedEvent] = []
    /// Alarm changes in the order decided, each with its feed payload when it is published.
    public var alarms: [AlarmWrite] = []
    /// Rule state of devices whose state moved, persisted so a restart resumes it.
    public var ruleStates: [(device: Int64, state: [UInt8])] = []
    /// Outbound messages to publish once this commit is durable.
    public var outbox: [OutboxMessage] = []
    /// Notices decided; each inserted one gets the outbox message `noticeMessage` builds from its id.
    public var notices: [NoticeDraft] = []
    public var noticeMessage: NoticeMessage?
    /// Writes the must-not-use status a notice's major hazard sets, in this commit.
    public var settle: ComplianceSettler?
    /// Maintenance records applied, with the counter values that became the new baseline (JSON).
    public var applied: [(record: Int64, counters: String)] = []
    public var plannerStates: [(device: Int64, state: String)] = []
    public var deadLetters: [DeadLetter] = []
    public var gatewayStatuses: [(status: GatewayStatus, receivedAt: Int64)] = []
    public var deviceStates: [Int64: DeviceStateUpdate] = [:]

    public init() {}

    public var rowCount: Int {
        messages.count + events.count + alarms.count + deadLetters.count + gatewayStatuses.count + outbox.count + notices.count + applied.count
    }
    public var isEmpty: Bool { rowCount == 0 && deviceStates.isEmpty && ruleStates.isEmpty && plannerStates.isEmpty }

    /// Rows of every kind, counting each device, rule and planner state as one.
    var unitCount: Int { rowCount + deviceStates.count + ruleStates.count + plannerStates.count }

    /// The batch in two non-empty halves (rows taken in a fixed order across all lists), for
    /// finding the row a store refuses; nil when it holds a single row.
    public func halves() -> (CommitBatch, CommitBatch)? {
        let total = unitCount
        guard total > 1 else { return nil }
        var a = CommitBatch(), b = CommitBatch()
        a.noticeMessage = noticeMessage
        b.noticeMessage = noticeMessage
        a.settle = settle
        b.settle = settle
        var quota = total / 2
        func take<T>(_ list: [T], _ first: inout [T], _ second: inout [T]) {
            let k = min(quota, list.count)
            first = Array(list[..<k])
            second = Array(list[k...])
            quota -= k
        }
        take(messages, &a.messages, &b.messages)
        take(events, &a.events, &b.events)
        take(alarms, &a.alarms, &b.alarms)
        take(notices, &a.notices, &b.notices)
        take(applied, &a.applied, &b.applied)
        take(deadLetters, &a.deadLetters, &b.deadLetters)
        take(gatewayStatuses, &a.gatewayStatuses, &b.gatewayStatuses)
        take(outbox, &a.outbox, &b.outbox)
        take(ruleStates, &a.ruleStates, &b.ruleStates)
        take(plannerStates, &a.plannerStates, &b.plannerStates)
        var first: [(Int64, DeviceStateUpdate)] = [], second: [(Int64, DeviceStateUpdate)] = []
        take(deviceStates.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, &first, &second)
        a.deviceStates = Dictionary(uniqueKeysWithValues: first)
        b.deviceStates = Dictionary(uniqueKeysWithValues: second)
        return (a, b)
    }

    /// What the single row of a one-row batch is, for its `store_rejected` dead letter: the
    /// topic-like place it belongs to, the device, and its content.
    public var soleRowDescription: (what: String, device: Int64?, content: String) {
        if let m = messages.first { return (m.kind == .telemetry ? "reading" : "event \(m.code ?? "")", m.deviceNum, m.data.string) }
        if let e = events.first { return ("derived event \(e.code.rawValue)", e.deviceNum, e.data) }
        if let a = alarms.first { return ("alarm \(a.change.alarm.id) \(a.change.transition.rawValue)", a.change.alarm.deviceNum, a.payload ?? a.change.alarm.message) }
        if let n = notices.first { return ("notice \(n.key)", n.deviceNum, n.reason.en) }
        if let o = outbox.first { return ("outbox \(o.topic)", nil, o.payload) }
        if let d = deadLetters.first { return ("dead letter \(d.reason.rawValue)", nil, d.detail) }
        if let g = gatewayStatuses.first { return ("gateway status \(g.status.gateway)", nil, g.status.online ? "online" : "offline") }
        if let r = applied.first { return ("maintenance record \(r.record)", nil, r.counters) }
        if let s = deviceStates.first { return ("device state", s.key, "messages \(s.value.messages)") }
        if let s = ruleStates.first { return ("rule state", s.device, "\(s.state.count) bytes") }
        if let s = plannerStates.first { return ("maintenance state", s.device, s.state) }
        return ("nothing", nil, "")
    }

    /// Empties every list, keeping the capacity for the next commit.
    public mutating func removeAll() {
        messages.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        alarms.removeAll(keepingCapacity: true)
        deadLetters.removeAll(keepingCapacity: true)
        gatewayStatuses.removeAll(keepingCapacity: true)
        deviceStates.removeAll(keepingCapacity: true)
        ruleStates.removeAll(keepingCapacity: true)
        outbox.removeAll(keepingCapacity: true)
        notices.removeAll(keepingCapacity: true)
        applied.removeAll(keepingCapacity: true)
        plannerStates.removeAll(keepingCapacity: true)
    }
}

/// An alarm change to write, with the feed payload that also becomes its incident timeline entry
/// (nil for changes that are not published: pending, cancelled, repeated).
public struct AlarmWrite: Sendable {
    public let change: AlarmChange
    /// The alarm feed message (JSON), also the incident timeline entry.
    public let payload: String?
    public init(change: AlarmChange, payload: String?) { (self.change, self.payload) = (change, payload) }
}

/// The per-device state after a commit (absolute values, so a commit is idempotent).
public struct DeviceStateUpdate: Sendable, Equatable {
    public var sequence: SequenceState?
    public var lastTs: Int64?
    public var lastReceivedAt: Int64?
    /// The newest telemetry `data`, for "last readings" in device queries; nil: unchanged. It
    /// refers to an arena block of messages, so the worker holds it only from the message to its
    /// commit (in the state it keeps per device, instead of an array of its own: 3 MB at 100 k).
    public var lastData: JSONBytes?
    /// Messages stored.
    public var messages: Int64
    public var duplicates: Int64

    public init(sequence: SequenceState? = nil, lastTs: Int64? = nil, lastReceivedAt: Int64? = nil,
                lastData: JSONBytes? = nil, messages: Int64 = 0, duplicates: Int64 = 0) {
        (self.sequence, self.lastTs, self.lastReceivedAt, self.lastData) = (sequence, lastTs, lastReceivedAt, lastData)
        (self.messages, self.duplicates) = (messages, duplicates)
    }
}
