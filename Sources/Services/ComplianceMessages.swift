import DeviceCatalog
import Domain
import Inspection
import Records

/// The notices and stream payloads of compliance changes. Pure.
public enum ComplianceMessages {
    /// The status change of a device: the stream payload, and the must-not-use notice when it may
    /// not be used.
    public static func change(num: Int64, device d: DeviceRecord, type: DeviceType, reason: MustNotUseReason?, at now: Int64) -> ComplianceChange {
        var w = JSONWriter()
        w.add("device", .string(d.id))
        w.add("type", .string(d.type))
        w.add("must_not_use", .bool(reason != nil))
        let prose = reason?.prose(type: type)
        if let reason, let prose {
            w.add("must_not_use_reason", .string(prose.en))
            w.add("must_not_use_reason_zh", .string(prose.zh))
            w.add("kind", .string(reason.kind))
            if let since = reason.since { w.add("since", .string(since.description)) }
        }
        w.add("at", .string(Timestamp.format(now)))
        guard let reason, let prose else { return ComplianceChange(deviceNum: num, status: nil, at: now, notice: nil, event: w.finish()) }
        var detail = JSONWriter()
        detail.add("kind", .string(reason.kind))
        detail.add("owner", .string(d.owner))
        if let since = reason.since { detail.add("since", .string(since.description)) }
        let notice = NoticeDraft(
            key: "inspection_overdue:\(d.id):\(reason.key)", deviceNum: num, device: d.id, type: d.type, firm: d.firm,
            kind: .inspectionOverdue, trigger: reason.trigger,
            reason: Prose(.mustNotUse, prose.parameters.map { ($0.name, $0.value) },
                          en: "must not be used: \(prose.en) (Special Equipment Safety Law art. 40)",
                          zh: "禁止使用：\(prose.zh)（特种设备安全法第四十条）"),
            dueBy: nil, createdAt: now, staleAfterRecord: nil, detail: detail.finish())
        return ComplianceChange(
            deviceNum: num, status: .init(key: reason.key, reason: prose, kind: reason.kind, since: reason.since?.description),
            at: now, notice: notice, event: w.finish())
    }

    /// Due by the end of the due date, local time.
    public static func reminder(_ r: DueReminder, num: Int64, device d: DeviceRecord, type: DeviceType, leadDays: Int, at now: Int64, days: LocalDays) -> NoticeDraft {
        var detail = JSONWriter()
        detail.add("kind", .string(r.kind))
        detail.add("due", .string(r.due.description))
        detail.add("owner", .string(d.owner))
        detail.add("lead_days", Int64(leadDays))
        return NoticeDraft(
            key: r.key(device: d.id), deviceNum: num, device: d.id, type: d.type, firm: d.firm, kind: .inspectionDue,
            trigger: "inspection:\(r.kind)",
            reason: Prose(.inspectionDue, [("kind", r.kind), ("due", r.due.description), ("basis", r.basis)],
                          en: "\(r.kind) inspection due \(r.due): the owner applies to the inspection body now (\(r.basis))",
                          zh: "\(type.inspectionNameZh(r.kind))将于 \(r.due) 到期：使用单位应现在向检验机构申报（\(r.basis)）"),
            dueBy: days.end(r.due), createdAt: now, staleAfterRecord: nil, detail: detail.finish())
    }
}
