/// Kinds of notice sent to a maintenance firm (SPEC §3). `risk_red` is ours: SPEC §10 asks that
/// a device turning red notifies its firm, and none of the SPEC's kinds says that.
public enum NoticeKind: String, Sendable, Codable, CaseIterable {
    case maintenanceDue = "maintenance_due"
    case maintenanceOverdue = "maintenance_overdue"
    case faultFollowup = "fault_followup"
    case inspectionDue = "inspection_due"
    /// The device must not be used (SPEC §12): an inspection overdue, failed, or safety grade 5.
    case inspectionOverdue = "inspection_overdue"
    /// Passengers trapped: reach them before the deadline (SPEC §12, rescue clock).
    case rescue
    case regimeChanged = "regime_changed"
    case riskRed = "risk_red"
    /// A cylinder was filled that must not have been: to the filling station's firm.
    case fillRefused = "fill_refused"
    /// A cylinder was filled by someone without a valid filler's certificate (P 气瓶充装): the
    /// fill is stored and flagged; to the filling station's firm.
    case fillerUncertified = "filler_uncertified"

    /// Kinds a completed maintenance closes.
    public static let closedByMaintenance: [NoticeKind] = [.maintenanceDue, .maintenanceOverdue, .faultFollowup, .regimeChanged]
}

/// A notice the planner decided on, before the store gives it an id.
///
/// `key` makes it once-only: the store keeps at most one notice per key, so a decision made
/// twice (a restart that lost the planner's last state, a re-evaluation) never duplicates it.
public struct NoticeDraft: Sendable, Equatable {
    public let key: String
    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// The device's registration code.
    public let device: String
    /// The device type's id (`elevator`, `boiler`...).
    public let type: String
    /// The maintenance firm's id.
    public let firm: String
    /// What kind it is (a closed vocabulary, per record).
    public let kind: NoticeKind
    /// What fired: `calendar`, `run_count`, `faults`, a rule id, `eligibility`...
    public let trigger: String
    /// Why the notice exists, with the values behind it: a code, its parameters, and the
    /// sentence in English (what MQTT consumers read as `reason`) and in Chinese.
    public let reason: Prose
    /// When it is due (nil: no deadline).
    public let dueBy: Int64?
    /// When it was created.
    public let createdAt: Int64
    /// Decided knowing maintenance records up to this id: if the device has a newer one, the
    /// decision is stale (the work was done meanwhile) and the store drops the notice.
    public let staleAfterRecord: Int64?
    /// JSON object with the figures behind the notice (counters, regime, thresholds).
    public let detail: String
    /// A `rescue` notice starts this rescue clock, stored with it.
    public let rescue: RescueStart?
    /// A major hazard's follow-up notice records the hazard with it: the device must not be used
    /// until the hazard is verified and closed (销号).
    public let hazard: HazardStart?

    public init(key: String, deviceNum: Int64, device: String, type: String, firm: String, kind: NoticeKind,
                trigger: String, reason: Prose, dueBy: Int64?, createdAt: Int64, staleAfterRecord: Int64?, detail: String,
                rescue: RescueStart? = nil, hazard: HazardStart? = nil) {
        (self.key, self.deviceNum, self.device, self.type, self.firm, self.kind) = (key, deviceNum, device, type, firm, kind)
        (self.trigger, self.reason, self.dueBy, self.createdAt) = (trigger, reason, dueBy, createdAt)
        (self.staleAfterRecord, self.detail, self.rescue, self.hazard) = (staleAfterRecord, detail, rescue, hazard)
    }
}

/// A major hazard (GB 45067-2024: door anti-pinch not working, door lock circuit bridged...)
/// raised by the alarm of a rule marked `hazard: true`.
public struct HazardStart: Sendable, Equatable {
    /// The id of the rule that raised it.
    public let rule: String
    public let alarmId: Int64
    public let raisedAt: Int64

    public init(rule: String, alarmId: Int64, raisedAt: Int64) { (self.rule, self.alarmId, self.raisedAt) = (rule, alarmId, raisedAt) }
}

/// The rescue clock of a trapped-passenger alarm (SPEC §12): from its firing, the firm has
/// `withinMs` to be on site (an on-site acknowledgement) or to resolve it.
public struct RescueStart: Sendable, Equatable {
    public let alarmId: Int64
    /// When it fired (nil while pending).
    public let firedAt: Int64
    public let withinMs: Int64
    public var deadlineAt: Int64 { firedAt + withinMs }

    public init(alarmId: Int64, firedAt: Int64, withinMs: Int64) {
        (self.alarmId, self.firedAt, self.withinMs) = (alarmId, firedAt, withinMs)
    }
}

