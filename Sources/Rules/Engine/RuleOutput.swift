import Domain

/// What rule evaluation produced for one commit: derived events and alarm changes, stored in the
/// same transaction as the messages that caused them.
public struct RuleOutput: Sendable {
    public var events: [DerivedEvent] = []
    public var alarms: [AlarmChange] = []
    public init() {}
    public var count: Int { events.count + alarms.count }
    /// Empties both lists, keeping their capacity for the next commit.
    public mutating func removeAll() {
        events.removeAll(keepingCapacity: true)
        alarms.removeAll(keepingCapacity: true)
    }
}
