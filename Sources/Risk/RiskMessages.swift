import DeviceCatalog
import Domain
import Ingest
import Inspection

/// What a grade means beyond its number: the inputs gathered from the registry, the firm's
/// notice when a device turns red, and the payloads of a grade change (the `risk_grade_changed`
/// event and the `risk_red` message on the supervisors' feed). Pure: the edges store and send them.
public enum RiskMessages {
    /// The registry part of a device's inputs: type, site, attributes, and the statutory
    /// inspections overdue on `today` (the local day). The store adds the history (alarms, notices, gaps).
    public static func inputs(_ entry: DirectoryEntry, type: DeviceType, site: Site?, today: Day) -> RiskInputs {
        var inputs = RiskInputs(type: type.id, consequence: type.consequence, siteCategory: site?.category, peopleExposed: site?.peopleExposed,
                                attributes: entry.attributes, commissioned: entry.commissioned, inspectionGrade: entry.inspectionGrade)
        let dues = InspectionCalendar.dueDates(
            policies: type.inspections, commissioned: entry.commissioned, lastInspections: entry.lastInspections,
            grade: entry.inspectionGrade, attributes: entry.attributes, gradeSince: entry.gradeSince)
        inputs.failedInspections = entry.failedInspections.sorted { $0.key < $1.key }.map { "\($0.key) failed on \($0.value)" }
        inputs.hazards = entry.openHazards.sorted { $0.key < $1.key }.map { "\($0.key) since \($0.value)" }
        let overdue = dues.filter { $0.isOverdue(on: today) && !$0.mustNotUse }
        inputs.overdueInspections = overdue.map { "\($0.kind) due \($0.due)" }
        inputs.inspectionOverdueDays = overdue.map { $0.due.days(to: today) }.max() ?? 0
        return inputs
    }

    /// The firm's `risk_red` notice: the three largest likelihood factors, due within `deadlineMs`.
    public static func redNotice(_ entry: DirectoryEntry, type: String, grade g: RiskGrade, previous: Grade?,
                                 deadlineMs: Int64, now: Int64) -> NoticeDraft {
        let top = g.factors.filter { $0.part == .likelihood && $0.value > 0 && $0.name != "base" && $0.name != "compound" }
            .sorted { $0.value > $1.value }.prefix(3).map { "\($0.name) (\($0.input))" }.joined(separator: "; ")
        var w = JSONWriter()
        w.add("grade", .string(g.grade.rawValue))
        w.add("previous", .string(previous?.rawValue ?? ""))
        w.add("score", .number(g.score))
        w.add("model", .string(g.model))
        return NoticeDraft(
            key: "risk_red:\(entry.num):\(now)", deviceNum: entry.num, device: entry.id, type: type, firm: entry.firm, kind: .riskRed,
            trigger: "risk_grade",
            reason: Prose(.riskRed, [("score", formatNumber(g.score)), ("model", g.model)],
                          en: "risk grade red (D = \(formatNumber(g.score))): \(top.isEmpty ? "consequence and exposure" : top)",
                          zh: "风险等级为红色（重大，D = \(formatNumber(g.score))）：\(top.isEmpty ? "后果与暴露" : top)"),
            dueBy: now + deadlineMs, createdAt: now, staleAfterRecord: nil, detail: w.finish())
    }

    /// The data of the `risk_grade_changed` event, citing the history row `historyId`.
    public static func gradeChanged(_ g: RiskGrade, previous: Grade?, historyId: Int64, device: String) -> String {
        var w = JSONWriter()
        w.add("device", .string(device))
        w.add("grade", .string(g.grade.rawValue))
        w.add("previous", previous.map { .string($0.rawValue) } ?? .string(""))
        w.add("score", .number(g.score))
        w.add("model", .string(g.model))
        w.add("history", historyId)
        return w.finish()
    }

    /// The `risk_red` message on `{prefix}/alarms/{type}` for supervisors' live screens.
    public static func redFeed(_ g: RiskGrade, previous: Grade?, device: String, type: String, at: Int64, historyId: Int64,
                               topics: Topics) -> OutboxMessage {
        var feed = JSONWriter()
        feed.add("transition", .string("risk_red"))
        feed.add("risk_grade", historyId)
        feed.add("at", .string(Timestamp.format(at)))
        feed.add("device", .string(device))
        feed.add("type", .string(type))
        feed.add("grade", .string(g.grade.rawValue))
        feed.add("previous", previous.map { .string($0.rawValue) } ?? .string(""))
        feed.add("score", .number(g.score))
        feed.add("model", .string(g.model))
        feed.add("factors", raw: g.factorsJSON)
        return OutboxMessage(topic: topics.alarms(type: type), payload: feed.finish())
    }
}
