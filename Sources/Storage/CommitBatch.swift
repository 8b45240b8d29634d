import Domain

/// Everything one commit writes, in one transaction: accepted messages, derived events, alarm
/// changes, notices, dead letters, gateway status changes and the per-device state they moved.
///
/// Rows and bytes only: what to write was decided above (validation, rules, planner), and every
/// outbound payload arrives already built. Bounded by the pipeline (commit size and interval), so
/// its memory is bounded too.
public struct CommitBatch: Sendable {
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

/// Builds the outbox message of a notice once the store has given it its id.
public typealias NoticeMessage = @Sendable (_ id: Int64, _ notice: NoticeDraft) -> OutboxMessage

/// An alarm change to write, with the feed payload that also becomes its incident timeline entry
/// (nil for changes that are not published: pending, cancelled, repeated).
public struct AlarmWrite: Sendable {
    public let change: AlarmChange
    public let payload: String?
    public init(change: AlarmChange, payload: String?) {
        self.change = change
        self.payload = payload
    }
}

/// The per-device state after a commit (absolute values, so a commit is idempotent).
public struct DeviceStateUpdate: Sendable, Equatable {
    public var sequence: SequenceState?
    public var lastTs: Int64?
    public var lastReceivedAt: Int64?
    /// The newest telemetry `data`, for "last readings" in device queries.
    public var lastData: String?
    public var messages: Int64
    public var duplicates: Int64

    public init(sequence: SequenceState? = nil, lastTs: Int64? = nil, lastReceivedAt: Int64? = nil,
                lastData: String? = nil, messages: Int64 = 0, duplicates: Int64 = 0) {
        self.sequence = sequence
        self.lastTs = lastTs
        self.lastReceivedAt = lastReceivedAt
        self.lastData = lastData
        self.messages = messages
        self.duplicates = duplicates
    }
}

