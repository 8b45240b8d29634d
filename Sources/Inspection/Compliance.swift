import Domain
import DeviceCatalog

/// Why a device must not be used (Special Equipment Safety Law art. 40; SPEC §12).
public enum MustNotUseReason: Sendable, Hashable {
    /// A major hazard (GB 45067-2024) raised by rule `rule` on `on`; lifted only by its closure
    /// (销号): verified by an inspection body or the supervisor, not by a maintenance record.
    case hazard(rule: String, on: Day)
    /// The latest inspection of `kind` failed, on `on`; cleared by a passing one of that kind.
    case failed(kind: String, on: Day)
    /// The inspection safety grade forbids use (pressure vessels: grade 5).
    case grade(kind: String, grade: Int)
    /// The inspection of `kind` was due on `due`: overdue since the day after.
    case overdue(kind: String, due: Day)

    public var kind: String {
        switch self {
        case .failed(let k, _), .grade(let k, _), .overdue(let k, _): k
        case .hazard(let rule, _): rule
        }
    }

    /// The day from which the device may not be used.
    public var since: Day? {
        switch self {
        case .failed(_, let on), .hazard(_, let on): on
        case .grade: nil
        case .overdue(_, let due): due.adding(days: 1)
        }
    }

    /// Stable text that identifies this reason: the once-only key of its notice.
    public var key: String {
        switch self {
        case .failed(let k, let on): "failed:\(k):\(on)"
        case .hazard(let rule, let on): "hazard:\(rule):\(on)"
        case .grade(let k, let g): "grade:\(k):\(g)"
        case .overdue(let k, let due): "overdue:\(k):\(due)"
        }
    }

    /// What a notice names as its trigger: `hazard:{rule}` or `inspection:{kind}`.
    public var trigger: String {
        if case .hazard(let rule, _) = self { return "hazard:\(rule)" }
        return "inspection:\(kind)"
    }

    /// In Chinese, with the inspection kind's name as the device type declares it
    /// (`name_zh`): "定期检验逾期：应于 2026-05-01 前完成，自 2026-05-02 起禁止使用".
    public func chinese(kindName: (String) -> String) -> String {
        switch self {
        case .failed(let k, let on): "\(kindName(k))不合格（\(on)），复检合格前禁止使用"
        case .hazard(let rule, let on): "重大事故隐患 \(rule)（\(on) 起，GB 45067-2024），核查销号前禁止使用"
        case .grade(let k, let g): "\(kindName(k))：安全状况等级 \(g) 级，禁止使用"
        case .overdue(let k, let due): "\(kindName(k))逾期：应于 \(due) 前完成，自 \(due.adding(days: 1)) 起禁止使用"
        }
    }

    /// Both languages, with the reason's key as its parameters (`kind`, `on`/`due`/`grade`).
    public func prose(type: DeviceType) -> Prose {
        var parameters: [(String, String)] = [("key", key), ("kind", kind)]
        if let since { parameters.append(("since", since.description)) }
        return Prose(.mustNotUse, parameters, en: text, zh: chinese(kindName: type.inspectionNameZh))
    }

    /// For people: "periodic inspection overdue since 2026-05-02", "periodic inspection failed on ...".
    public var text: String {
        switch self {
        case .failed(let k, let on): "\(k) inspection failed on \(on)"
        case .hazard(let rule, let on): "major hazard \(rule) since \(on) (GB 45067-2024), until verified and closed (销号)"
        case .grade(let k, let g): "\(k) inspection: safety grade \(g), must not be used"
        case .overdue(let k, let due): "\(k) inspection overdue since \(due.adding(days: 1))"
        }
    }
}

/// A statutory inspection that falls due within the reminder lead: the owner must apply for it.
public struct DueReminder: Sendable, Hashable {
    public let kind: String
    public let due: Day
    public let basis: String
    /// Once-only key of its `inspection_due` notice: one per (device, kind, due date).
    public func key(device: String) -> String { "inspection_due:\(device):\(kind):\(due)" }
}

/// Compliance with the inspection regime on one day: whether a device may be used and which
/// inspections the owner must now apply for. Pure; the pipeline's compliance service, risk
/// grading, on-demand eligibility and `devices show` all read it.
public enum Compliance {
    /// The first reason the device must not be used on `today`, or nil: a major hazard first, then
    /// a failure, then a safety grade that forbids use, then the inspection overdue longest.
    public static func mustNotUse(dues: [InspectionDue], failed: [String: Day], grade: Int?, today: Day,
                                  hazards: [String: Day] = [:]) -> MustNotUseReason? {
        if let (rule, day) = hazards.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) { return .hazard(rule: rule, on: day) }
        if let (kind, day) = failed.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) { return .failed(kind: kind, on: day) }
        if let d = dues.first(where: { $0.mustNotUse && $0.coveredBy == nil }) { return .grade(kind: d.kind, grade: grade ?? 0) }
        if let d = dues.filter({ $0.isOverdue(on: today) }).min(by: { ($0.due, $0.kind) < ($1.due, $1.kind) }) {
            return .overdue(kind: d.kind, due: d.due)
        }
        return nil
    }

    /// A registered device's reason on `today` under its type's policies, or nil.
    public static func mustNotUse(_ device: DeviceRecord, type: DeviceType, today: Day) -> MustNotUseReason? {
        mustNotUse(dues: InspectionCalendar.dueDates(of: device, type: type), failed: device.failedInspections,
                   grade: device.inspectionGrade, today: today, hazards: device.openHazards)
    }

    /// Inspections due from `today` to `today + leadDays` (not yet overdue, not covered by another).
    public static func reminders(dues: [InspectionDue], today: Day, leadDays: Int) -> [DueReminder] {
        let horizon = today.adding(days: leadDays)
        return dues.filter { $0.coveredBy == nil && !$0.mustNotUse && $0.due >= today && $0.due <= horizon }
            .map { DueReminder(kind: $0.kind, due: $0.due, basis: $0.basis) }
    }
}
