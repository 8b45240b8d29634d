import Domain

/// The JSON published on `{prefix}/alarms/{type}` for each alarm state change (SPEC §3), and
/// stored in the outbox until the broker has it. Consumers deduplicate on (`id`, `transition`).
public enum AlarmFeed {
    /// `transition` is one of raised, escalated, acknowledged, resolved; `at` is when it happened.
    public static func payload(_ a: Alarm, transition: String, at: Int64, ackedBy: String? = nil, ackedAt: Int64? = nil) -> String {
        var w = JSONWriter()
        w.add("id", a.id)
        w.add("transition", .string(transition))
        w.add("at", .string(Timestamp.format(at)))
        w.add("device", .string(a.device))
        w.add("type", .string(a.type))
        w.add("site", .string(a.site))
        w.add("firm", .string(a.firm))
        w.add("rule", .string(a.rule))
        w.add("family", .string(a.family))
        w.add("pack", .string(a.pack))
        w.add("severity", .string(a.severity.rawValue))
        w.add("state", .string(a.state.rawValue))
        w.add("started_at", .string(Timestamp.format(a.startedAt)))
        if let f = a.firedAt { w.add("fired_at", .string(Timestamp.format(f))) }
        if let r = a.resolvedAt { w.add("resolved_at", .string(Timestamp.format(r))) }
        w.add("repeats", Int64(a.repeats))
        w.add("message", .string(a.message))
        if let zh = a.messageZh { w.add("message_zh", .string(zh)) }
        w.add("inputs", raw: a.inputs)
        if let i = a.incidentId { w.add("incident", i) }
        if let by = ackedBy { w.add("acked_by", .string(by)) }
        if let at = ackedAt { w.add("acked_at", .string(Timestamp.format(at))) }
        return w.finish()
    }

    /// The feed message of a published change (raised, escalated, resolved), at the change's time.
    public static func message(_ change: AlarmChange, topics: Topics) -> OutboxMessage {
        OutboxMessage(topic: topics.alarms(type: change.alarm.type),
                      payload: payload(change.alarm, transition: change.transition.rawValue, at: change.at))
    }

    /// The `acknowledged` message of an alarm acknowledged by `who` at `at`.
    public static func acknowledged(_ a: Alarm, by who: String, at: Int64, topics: Topics) -> OutboxMessage {
        OutboxMessage(topic: topics.alarms(type: a.type), payload: payload(a, transition: "acknowledged", at: at, ackedBy: who, ackedAt: at))
    }
}
