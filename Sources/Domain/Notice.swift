/// Kinds of notice sent to a maintenance firm (SPEC §3). `risk_red` is ours: SPEC §10 asks that
/// a device turning red notifies its firm, and none of the SPEC's kinds says that.
public enum NoticeKind: String, Sendable, Codable, CaseIterable {
    case maintenanceDue = "maintenance_due"
    case maintenanceOverdue = "maintenance_overdue"
    case faultFollowup = "fault_followup"
    case inspectionDue = "inspection_due"
    case regimeChanged = "regime_changed"
    case riskRed = "risk_red"

    /// Kinds a completed maintenance closes.
    public static let closedByMaintenance: [NoticeKind] = [.maintenanceDue, .maintenanceOverdue, .faultFollowup, .regimeChanged]
}

/// A notice the planner decided on, before the store gives it an id.
///
/// `key` makes it once-only: the store keeps at most one notice per key, so a decision made
/// twice (a restart that lost the planner's last state, a re-evaluation) never duplicates it.
public struct NoticeDraft: Sendable, Equatable {
    public let key: String
    public let deviceNum: Int64
    public let device: String
    public let type: String
    public let firm: String
    public let kind: NoticeKind
    /// What fired: `calendar`, `run_count`, `faults`, a rule id, `eligibility`...
    public let trigger: String
    /// Human-readable: why the notice exists, with the values behind it.
    public let reason: String
    public let dueBy: Int64?
    public let createdAt: Int64
    /// Decided knowing maintenance records up to this id: if the device has a newer one, the
    /// decision is stale (the work was done meanwhile) and the store drops the notice.
    public let staleAfterRecord: Int64?
    /// JSON object with the figures behind the notice (counters, regime, thresholds).
    public let detail: String

    public init(key: String, deviceNum: Int64, device: String, type: String, firm: String, kind: NoticeKind,
                trigger: String, reason: String, dueBy: Int64?, createdAt: Int64, staleAfterRecord: Int64?, detail: String) {
        self.key = key
        self.deviceNum = deviceNum
        self.device = device
        self.type = type
        self.firm = firm
        self.kind = kind
        self.trigger = trigger
        self.reason = reason
        self.dueBy = dueBy
        self.createdAt = createdAt
        self.staleAfterRecord = staleAfterRecord
        self.detail = detail
    }
}

