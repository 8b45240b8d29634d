import Ingest
import Maintenance
import Rules

/// Everything one commit writes, in one transaction: accepted messages, derived events, dead
/// letters, gateway status changes and the per-device state they moved.
///
/// Bounded by the pipeline (commit size and interval), so its memory is bounded too.
public struct CommitBatch: Sendable {
    public var messages: [AcceptedMessage] = []
    /// Derived events and alarm changes (rule engine, sequence checks).
    public var derived = RuleOutput()
    /// Rule state of devices whose state moved, persisted so a restart resumes it.
    public var ruleStates: [(device: Int64, state: [UInt8])] = []
    /// Outbound messages to publish once this commit is durable.
    public var outbox: [OutboxMessage] = []
    /// Maintenance notices, applied completions and planner state.
    public var planner = PlannerOutput()
    public var plannerStates: [(device: Int64, state: String)] = []
    /// Topic prefix for notices written in this commit.
    public var topicPrefix = "equipwatch/v1"
    public var deadLetters: [DeadLetter] = []
    public var gatewayStatuses: [(status: GatewayStatus, receivedAt: Int64)] = []
    public var deviceStates: [Int64: DeviceStateUpdate] = [:]

    public init() {}

    public var rowCount: Int {
        messages.count + derived.count + deadLetters.count + gatewayStatuses.count + outbox.count + planner.notices.count + planner.applied.count
    }
    public var isEmpty: Bool { rowCount == 0 && deviceStates.isEmpty && ruleStates.isEmpty && plannerStates.isEmpty }

    public mutating func removeAll() {
        messages.removeAll(keepingCapacity: true)
        derived.removeAll()
        deadLetters.removeAll(keepingCapacity: true)
        gatewayStatuses.removeAll(keepingCapacity: true)
        deviceStates.removeAll(keepingCapacity: true)
        ruleStates.removeAll(keepingCapacity: true)
        outbox.removeAll(keepingCapacity: true)
        planner.removeAll()
        plannerStates.removeAll(keepingCapacity: true)
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

/// A message for the outbox: published (QoS 1) after the commit that wrote it, deleted once the
/// broker has acknowledged it.
public struct OutboxMessage: Sendable, Equatable {
    public let topic: String
    public let payload: String
    public init(topic: String, payload: String) {
        self.topic = topic
        self.payload = payload
    }
}
