import Domain

/// The store's reads in their common forms: with a supervisor's scope (the CLI, which runs on
/// the regulator's machine, and the engine), from the first page, or with the usual page size.
/// Protocol requirements cannot carry default arguments, so the shorter forms are spelled out
/// here once, for every engine.
extension Store {
    /// Readings of a device in a time range, newest first, as a supervisor sees them.
    public func readings(device: String, from: Int64?, to: Int64?, limit: Int) throws(StoreError) -> [ReadingItem] {
        try readings(device: device, from: from, to: to, limit: limit, scope: .supervisor, after: nil)
    }

    /// Events of a device (or of all devices), newest first, as a supervisor sees them.
    public func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int,
                       source: EventSource? = nil) throws(StoreError) -> [EventItem] {
        try events(device: device, code: code, from: from, to: to, limit: limit, scope: .supervisor, after: nil, source: source,
                   deviceFirst: false)
    }

    /// A page of a device's events (or of all devices'), newest first, within `scope`.
    public func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int, scope: Role,
                       after: PageCursor?) throws(StoreError) -> [EventItem] {
        try events(device: device, code: code, from: from, to: to, limit: limit, scope: scope, after: after, source: nil, deviceFirst: false)
    }

    /// Dead letters, newest first, from the first page.
    public func deadLetters(reason: DeadLetterReason?, from: Int64?, to: Int64?, limit: Int,
                            gateway: String? = nil, device: String? = nil) throws(StoreError) -> [DeadLetterItem] {
        try deadLetters(reason: reason, from: from, to: to, limit: limit, gateway: gateway, device: device, after: nil)
    }

    /// Registered devices matching `filter`, at most 10,000.
    public func devices(_ filter: DeviceFilter) throws(StoreError) -> [DeviceItem] { try devices(filter, limit: 10_000) }

    /// A device's maintenance history, newest first, as a supervisor sees it.
    public func maintenanceHistory(device: String, limit: Int = 1000) throws(StoreError) -> [MaintenanceItem] {
        try maintenanceHistory(device: device, limit: limit, scope: .supervisor, after: nil)
    }

    /// A hazard as a supervisor sees it.
    public func hazard(_ id: Int64) throws(StoreError) -> HazardItem? { try hazard(id, scope: .supervisor) }

    /// A hazard's steps, oldest first, as a supervisor sees them.
    public func hazardSteps(_ id: Int64) throws(StoreError) -> [HazardStepItem] { try hazardSteps(id, device: nil, scope: .supervisor) }

    /// A hazard's steps, oldest first, within `scope`.
    public func hazardSteps(_ id: Int64, scope: Role) throws(StoreError) -> [HazardStepItem] { try hazardSteps(id, device: nil, scope: scope) }

    /// The steps of every hazard of a device, within `scope`.
    public func hazardSteps(device: String, scope: Role) throws(StoreError) -> [HazardStepItem] {
        try hazardSteps(nil, device: device, scope: scope)
    }

    /// A device's inspection records, newest first, as a supervisor sees them.
    public func inspectionHistory(device: String) throws(StoreError) -> [InspectionRecordItem] {
        try inspectionHistory(device: device, scope: .supervisor)
    }

    /// A cylinder's fills, newest first, as a supervisor sees them.
    public func fills(device: String, limit: Int) throws(StoreError) -> [FillItem] { try fills(device: device, limit: limit, scope: .supervisor) }

    /// Records an inspection result that moves no must-not-use status by itself.
    public func recordInspection(_ r: InspectionRecord, deviceNum: Int64, dueBefore: Day?, at: Int64) throws(StoreError) -> Int64 {
        try recordInspection(r, deviceNum: deviceNum, dueBefore: dueBefore, at: at, settle: nil)
    }

    /// Imports a fleet without noting the files' content hash.
    @discardableResult
    public func importFleet(_ fleet: Fleet, now: Int64) throws(StoreError) -> Int { try importFleet(fleet, now: now, sourceHash: nil) }

    /// Outage history, newest first, at most 100.
    public func outages(now: Int64) throws(StoreError) -> [OutageItem] { try outages(limit: 100, now: now) }

    /// Maintenance records not applied by the planner yet, at most 1,000.
    public func unappliedMaintenance(after id: Int64) throws(StoreError) -> [MaintenanceRecord] { try unappliedMaintenance(after: id, limit: 1000) }
}

extension Store {
    /// One device's risk history (`riskHistories` for one).
    public func riskHistory(deviceNum: Int64, alarmsSince: Int64, gapsSince: Int64) throws(StoreError) -> RiskHistory {
        try riskHistories([deviceNum], alarmsSince: alarmsSince, gapsSince: gapsSince)[deviceNum] ?? RiskHistory()
    }
}

/// What a risk grade reads of a device's history (`Store.riskHistories`).
public struct RiskHistory: Sendable {
    public var alarms: [AlarmHistoryEntry] = []
    public var maintenanceOverdue = 0
    public var gaps = 0
    public init() {}
}
