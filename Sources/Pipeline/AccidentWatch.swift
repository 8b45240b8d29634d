import Domain
import Inspection
import Records
import Services

/// Proposes accident records for passengers held too long (Rules/accidents.yaml, special case
/// `elevator_held`: a trapped-passenger alarm still open 2 h after it fired is a 一般 accident):
/// one record per alarm, status `proposed`, its report due `report_within` from now; a critical
/// `accident_proposed` message on the alarm feed and the incident's timeline, a change on the
/// stream. The owner or a supervisor confirms it by reporting it. Time comes in as an argument.
struct AccidentWatch: Sendable {
    let store: any Store
    let topics: Topics
    let policy: AccidentPolicy

    /// Proposes what is due at `now`; returns the accident ids proposed.
    func propose(now: Int64) throws -> [Int64] {
        var done: [Int64] = []
        // Each holding case by the types it covers (one query per case).
        for c in policy.specialCases {
            guard let held = c.heldForMs, !c.types.isEmpty else { continue }
            for h in try store.heldPassengers(firedBy: now - held, types: c.types) {
                let cls = policy.classify(deaths: 0, seriousInjuries: 0, lossCNY: 0, specialCase: c.id)
                let report = AccidentReport(devices: [h.device], occurredAt: h.firedAt, specialCase: c.id,
                                            summary: "\(c.description) (\(c.descriptionZh))")
                let draft = AccidentDraft(report: report, class: cls, status: .proposed, reportDueAt: now + policy.reportWithinMs, reportedAt: nil,
                                          reportedBy: nil, alarm: h.alarmId, incident: h.incidentId, recordedBy: "equipwatch", recordedAt: now)
                if let id = try store.proposeAccident(h, draft, message: Self.message(h, accident: nil, case: c, class: cls, at: now, topics: topics)) {
                    done.append(id)
                }
            }
        }
        return done
    }

    static func message(_ h: HeldPassengers, accident: Int64?, case c: AccidentPolicy.SpecialCase, class cls: AccidentClass, at now: Int64,
                        topics: Topics) -> OutboxMessage {
        var w = JSONWriter()
        w.add("id", h.alarmId)
        w.add("transition", .string("accident_proposed"))
        w.add("at", .string(Timestamp.format(now)))
        w.add("device", .string(h.device))
        w.add("type", .string(h.type))
        w.add("site", .string(h.site))
        w.add("firm", .string(h.firm))
        w.add("owner", .string(h.owner))
        w.add("severity", .string(Severity.critical.rawValue))
        w.add("fired_at", .string(Timestamp.format(h.firedAt)))
        w.add("special_case", .string(c.id))
        w.add("class", .string(cls.rawValue))
        let minutes = (now - h.firedAt) / 60_000
        w.add("message", .string("passengers held \(minutes) min: \(c.description) is a \(cls.rawValue) accident; the owner must report it"))
        w.add("message_zh", .string("困人 \(minutes) 分钟：\(c.descriptionZh)，构成\(cls.chinese)，使用单位须立即报告"))
        if let i = h.incidentId { w.add("incident", i) }
        return OutboxMessage(topic: topics.alarms(type: h.type), payload: w.finish())
    }
}
