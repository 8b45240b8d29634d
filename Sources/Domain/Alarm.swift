/// An alarm as the store keeps it: one row per (device, rule family) occurrence, from the moment
/// its condition first holds (`pending`) through `firing` to `resolved`.
///
/// The engine produces absolute snapshots, so applying a change twice leaves the same row.
/// Acknowledgement is orthogonal and owned by the store (who, when); the engine never touches it.
public struct Alarm: Sendable, Equatable {
    /// Where an alarm stands: its condition holds but `for` has not elapsed, it fires, or it
    /// resolved.
    public enum State: String, Sendable, Codable { case pending, firing, resolved }

    public var id: Int64
    /// The device's compact key in the store.
    public var deviceNum: Int64
    /// The device's registration code.
    public var device: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The site's id.
    public var site: String
    /// The maintenance firm's id.
    public var firm: String
    /// The rule whose condition raised the alarm, or the one that last escalated it.
    public var rule: String
    /// The rule family: one open alarm per device and family.
    public var family: String
    /// Content hash of the pack file the rule came from.
    public var pack: String
    /// The alarm's severity.
    public var severity: Severity
    public var state: State
    /// When the condition started to hold (event time, epoch ms).
    public var startedAt: Int64
    /// When it fired (nil while pending).
    public var firedAt: Int64?
    /// When it resolved (nil while open).
    public var resolvedAt: Int64?
    /// Further occurrences while the alarm was open.
    public var repeats: Int
    /// The last time the condition held.
    public var lastAt: Int64
    /// The alarm's message in English.
    public var message: String
    /// The message in Chinese, rendered with the same values (the rule's `message_zh`); nil when
    /// the rule has none (readers in Chinese then get `message`).
    public var messageZh: String?
    /// JSON object: the fields, attributes and windows the rule read, with their values.
    public var inputs: String
    /// The incident it opened or joined, if any.
    public var incidentId: Int64?

    public init(id: Int64, deviceNum: Int64, device: String, type: String, site: String, firm: String, rule: String,
                family: String, pack: String, severity: Severity, state: State, startedAt: Int64, firedAt: Int64?,
                resolvedAt: Int64?, repeats: Int, lastAt: Int64, message: String, messageZh: String? = nil, inputs: String,
                incidentId: Int64?) {
        (self.id, self.deviceNum, self.device, self.type, self.site, self.firm) = (id, deviceNum, device, type, site, firm)
        (self.rule, self.family, self.pack, self.severity, self.state) = (rule, family, pack, severity, state)
        (self.startedAt, self.firedAt, self.resolvedAt, self.repeats) = (startedAt, firedAt, resolvedAt, repeats)
        (self.lastAt, self.message, self.messageZh, self.inputs) = (lastAt, message, messageZh, inputs)
        self.incidentId = incidentId
    }
}

/// An alarm's place in its lifecycle (SPEC §5); acknowledgement is orthogonal.
public typealias AlarmState = Alarm.State

/// A change of an alarm's state, in the order the engine decided it.
public struct AlarmChange: Sendable, Equatable {
    /// What happened to an alarm in one change: what the feed and the incident timeline record.
    public enum Transition: String, Sendable {
        /// The condition holds but `for` has not elapsed. Not published.
        case pending
        /// The condition stopped holding before `for` elapsed: it never was an alarm, and its
        /// pending row is removed. Not published.
        case cancelled
        case raised, escalated
        /// A further occurrence while open: the counter moves, no new alarm. Not published.
        case repeated
        case resolved
    }

    /// The alarm as the change left it.
    public let alarm: Alarm
    public let transition: Transition
    /// True when this change opened the alarm's incident (a rule with `incident: true` fired).
    public let opensIncident: Bool
    /// When the change happened, in event time.
    public var at: Int64 {
        switch transition {
        case .pending, .cancelled: alarm.startedAt
        case .raised: alarm.firedAt ?? alarm.lastAt
        case .escalated, .repeated: alarm.lastAt
        case .resolved: alarm.resolvedAt ?? alarm.lastAt
        }
    }

    /// Whether supervisors' live screens get this change (SPEC §3).
    public var isPublished: Bool { transition == .raised || transition == .escalated || transition == .resolved }

    public init(alarm: Alarm, transition: Transition, opensIncident: Bool) {
        (self.alarm, self.transition, self.opensIncident) = (alarm, transition, opensIncident)
    }
}


/// An alarm as risk grading weighs it: how severe, when it fired, whether it opened an incident.
public typealias AlarmHistoryEntry = (severity: String, firedAt: Int64, incident: Bool)
