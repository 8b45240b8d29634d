import Domain
import Foundation

/// What acknowledging an alarm or a notice did.
public enum AckResult: Sendable, Equatable {
    case acknowledged, notFound
    case alreadyAcknowledged(by: String, at: Int64)
}

/// Where an event came from: sent by the controller, or derived by the pipeline.
public enum EventSource: String, Sendable, CaseIterable {
    case device, pipeline
}

/// The tables `count` counts (`store stats`, tests).
public enum CountedTable: String, Sendable {
    case readings, events, deadLetters = "dead_letters", devices, gatewayStatus = "gateway_status"
}

/// A stored message for a replay: telemetry readings and device-sent events, by event time.
public struct StoredMessage: Sendable {
    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// When it happened, by the device's clock.
    public let ts: Int64
    public let isEvent: Bool
    /// The event or reason code.
    public let code: String?
    /// The message's data object as sent (nested JSON in answers).
    public let data: String

    public init(deviceNum: Int64, ts: Int64, isEvent: Bool, code: String? = nil, data: String) {
        self.deviceNum = deviceNum
        self.ts = ts
        self.isEvent = isEvent
        self.code = code
        self.data = data
    }
}

/// A recorded alarm, for comparing a replay with what happened.
public struct RecordedAlarm: Sendable {
    /// The row's id (stable: pages and links cite it).
    public let id: Int64
    /// The device's registration code.
    public let device: String
    /// The id of the rule that raised it.
    public let rule: String
    /// The rule family: one open alarm per device and family.
    public let family: String
    /// The alarm's severity.
    public let severity: String
    /// When it fired (nil while pending).
    public let firedAt: Int64
    /// When it resolved (nil while open).
    public let resolvedAt: Int64?

    public init(id: Int64, device: String, rule: String, family: String, severity: String, firedAt: Int64, resolvedAt: Int64? = nil) {
        self.id = id
        self.device = device
        self.rule = rule
        self.family = family
        self.severity = severity
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
    }
}

/// What one checkpoint found and did, in WAL frames (pages).
public struct CheckpointOutcome: Sendable {
    public let walFrames: Int
    public let checkpointed: Int
    /// The WAL had grown past the checkpointer's limit.
    public let isOverLimit: Bool

    public init(walFrames: Int, checkpointed: Int, isOverLimit: Bool) {
        self.walFrames = walFrames
        self.checkpointed = checkpointed
        self.isOverLimit = isOverLimit
    }
}

/// WAL checkpoints away from the writer, on a connection of their own (SQLite); engines without
/// a write-ahead log of their own to manage have none (`Store.openCheckpointer` returns nil).
public protocol StoreCheckpointer: AnyObject, Sendable {
    /// The WAL size, in frames, past which `CheckpointOutcome.isOverLimit` asks the writer for a restart.
    var walLimitFrames: Int { get }
    /// One passive checkpoint: copies back what no reader needs, never blocks the writer.
    func checkpoint() throws(StoreError) -> CheckpointOutcome
    /// Gives the writer its automatic checkpoints back and checkpoints once more.
    func close()
}
