import Domain

/// The answer to a completed-maintenance report on `{prefix}/maintenance-results/{firm}` (SPEC §3):
/// accepted with the record id, or refused with the reason. Every recorded completion is answered,
/// whichever way it came (MQTT, CLI, API), so a firm's system learns of work recorded for it on
/// one topic; a refused MQTT report is answered too, so the firm can see why without the dead
/// letters, which only supervisors read.
public enum CompletionAnswer {
    /// The `accepted` answer on `maintenance-results/{firm}`: the record id and the notices it
    /// closed.
    public static func accepted(_ c: Completion, record: Int64, closedNotices: Int, topics: Topics) -> OutboxMessage {
        var w = JSONWriter()
        w.add("result", .string("accepted"))
        w.add("record", record)
        w.add("device", .string(c.device))
        w.add("firm", .string(c.firm))
        w.add("done_at", .string(Timestamp.format(c.doneAt)))
        var items = ""
        JSONWriter.serialize(.array(c.items.map(JSONValue.string)), into: &items)
        w.add("items", raw: items)
        w.add("source", .string(c.source.rawValue))
        w.add("closed_notices", Int64(closedNotices))
        w.add("reported_at", .string(Timestamp.format(c.reportedAt)))
        return OutboxMessage(topic: topics.maintenanceResults(firm: c.firm), payload: w.finish())
    }

    /// A refusal, or nil when the topic's firm level is not an id a result topic can carry.
    public static func refused(firm: String, device: String?, reason: DeadLetterReason, detail: String,
                               receivedAt: Int64, topics: Topics) -> OutboxMessage? {
        guard Identifier.isValid(firm) else { return nil }
        var w = JSONWriter()
        w.add("result", .string("refused"))
        if let device { w.add("device", .string(device)) } else { w.add("device", raw: "null") }
        w.add("firm", .string(firm))
        w.add("reason", .string(reason.rawValue))
        w.add("detail", .string(detail))
        w.add("received_at", .string(Timestamp.format(receivedAt)))
        return OutboxMessage(topic: topics.maintenanceResults(firm: firm), payload: w.finish())
    }
}
