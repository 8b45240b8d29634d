import Domain
import Records
import Services
import Storage

/// Escalates trapped-passenger alarms whose rescue deadline passed with nobody on site and the
/// alarm still open (SPEC §12): the supervisors' stream and the alarm feed get a critical
/// `rescue_deadline_missed` message, the incident's timeline an entry, and the rescue is recorded
/// as missed for the response statistics. Time comes in as an argument (an injectable clock).
struct RescueWatch: Sendable {
    let store: any Store
    let topics: Topics

    /// Escalates what is due at `now`; returns the alarm ids escalated.
    func escalate(now: Int64) throws -> [Int64] {
        var done: [Int64] = []
        for r in try store.missedRescues(now: now) where try store.escalate(r, at: now, message: Self.message(r, at: now, topics: topics)) {
            done.append(r.alarmId)
        }
        return done
    }

    static func message(_ r: MissedRescue, at now: Int64, topics: Topics) -> OutboxMessage {
        var w = JSONWriter()
        w.add("id", r.alarmId)
        w.add("transition", .string("rescue_deadline_missed"))
        w.add("at", .string(Timestamp.format(now)))
        w.add("device", .string(r.device))
        w.add("type", .string(r.type))
        w.add("site", .string(r.site))
        w.add("firm", .string(r.firm))
        w.add("severity", .string(Severity.critical.rawValue))
        w.add("fired_at", .string(Timestamp.format(r.firedAt)))
        w.add("deadline", .string(Timestamp.format(r.deadlineAt)))
        let minutes = (now - r.firedAt) / 60_000
        w.add("message", .string("rescue deadline missed: nobody on site \(minutes) min after passengers were trapped"))
        w.add("message_zh", .string("救援超时：困人 \(minutes) 分钟后仍无人到达现场"))
        if let i = r.incidentId { w.add("incident", i) }
        return OutboxMessage(topic: topics.alarms(type: r.type), payload: w.finish())
    }
}
