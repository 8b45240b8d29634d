import Ingest
import Domain

/// The firm's `rescue` notice when passengers are trapped (SPEC §12): sent at once, due at the
/// rescue deadline, carrying the clock the store keeps for escalation and response statistics.
enum RescueNotice {
    static func draft(_ alarm: Alarm, slot s: MaintenancePlanner.Slot, withinMs: Int64, now: Int64, days: LocalDays) -> NoticeDraft {
        let fired = alarm.firedAt ?? alarm.lastAt
        let clock = RescueStart(alarmId: alarm.id, firedAt: fired, withinMs: withinMs)
        var w = JSONWriter()
        w.add("alarm", alarm.id)
        w.add("rule", .string(alarm.rule))
        w.add("fired_at", .string(Timestamp.format(fired)))
        w.add("within_ms", withinMs)
        w.add("deadline", .string(Timestamp.format(clock.deadlineAt)))
        w.add("site", .string(s.entry.site))
        let minutes = withinMs / 60_000
        return NoticeDraft(
            key: "rescue:\(alarm.id)", deviceNum: s.entry.num, device: s.entry.id, type: s.plan.type, firm: s.entry.firm,
            kind: .rescue, trigger: alarm.rule,
            reason: Prose(.rescue, [("within_min", "\(minutes)"), ("deadline", days.format(clock.deadlineAt)), ("alarm", "\(alarm.id)")],
                          en: "passengers trapped: reach them within \(minutes) min, by \(days.format(clock.deadlineAt)) (\(alarm.message))",
                          zh: "困人：须在 \(minutes) 分钟内（\(days.format(clock.deadlineAt)) 前）到达现场救援（\(alarm.messageZh ?? alarm.message)）"),
            dueBy: clock.deadlineAt, createdAt: now, staleAfterRecord: nil, detail: w.finish(), rescue: clock)
    }
}
