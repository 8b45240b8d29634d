import Domain

/// The JSON published on `{prefix}/notices/{firm}` (QoS 1), one firm per topic so the broker's
/// ACL can give each firm its own notices only. Consumers deduplicate on `id`.
public enum NoticeFeed {
    /// The message of notice `id` on its firm's topic.
    public static func message(id: Int64, _ n: NoticeDraft, topics: Topics) -> OutboxMessage {
        OutboxMessage(topic: topics.notices(firm: n.firm), payload: payload(id: id, n))
    }

    /// The owner's copy of a notice on `{prefix}/owner-notices/{owner}` (inspection reminders
    /// and must-not-use notices: the owner applies for inspections and stops the equipment).
    public static func ownerMessage(id: Int64, _ n: NoticeDraft, owner: String, topics: Topics) -> OutboxMessage {
        OutboxMessage(topic: topics.ownerNotices(owner: owner), payload: payload(id: id, n, owner: owner))
    }

    /// The notice as published on `notices/{firm}` (and `owner-notices/{owner}` with `owner`).
    public static func payload(id: Int64, _ n: NoticeDraft, owner: String? = nil) -> String {
        var w = JSONWriter()
        w.add("id", id)
        w.add("kind", .string(n.kind.rawValue))
        w.add("device", .string(n.device))
        w.add("type", .string(n.type))
        w.add("firm", .string(n.firm))
        if let owner { w.add("owner", .string(owner)) }
        w.add("trigger", .string(n.trigger))
        w.add("reason", .string(n.reason.en))
        w.add("reason_zh", .string(n.reason.zh))
        w.add("reason_code", .string(n.reason.code.rawValue))
        if let d = n.dueBy { w.add("due_by", .string(Timestamp.format(d))) }
        w.add("created_at", .string(Timestamp.format(n.createdAt)))
        w.add("detail", raw: n.detail)
        return w.finish()
    }
}
