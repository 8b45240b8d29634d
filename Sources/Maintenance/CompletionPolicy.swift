import Domain

/// The checks a completion report must pass before it is recorded (SPEC §11), whatever path it
/// came by (CLI, MQTT, API): the reporting firm maintains the device, and the work is not dated
/// in the future beyond the clock tolerance.
public struct CompletionPolicy: Sendable {
    /// How far ahead of the report's arrival `done_at` may lie (gateway and phone clocks drift).
    public var futureToleranceMs: Int64 = 60_000
    /// Notice kinds a completed maintenance closes.
    public var closes: [NoticeKind] = NoticeKind.closedByMaintenance

    public init() {}

    /// Refuses `c` when `deviceFirm` (the device's firm; nil: no such device) says it may not be
    /// recorded. Unknown and not-yours are told apart here, but reported alike to the firm.
    public func check(_ c: Completion, deviceFirm: String?) throws(MaintenanceError) {
        guard let deviceFirm else { throw .unknownDevice(c.device) }
        guard deviceFirm == c.firm else { throw .notTheDevicesFirm(device: c.device, firm: c.firm) }
        guard c.doneAt <= c.reportedAt + futureToleranceMs else {
            throw .inTheFuture(device: c.device, at: Timestamp.format(c.doneAt))
        }
    }
}

/// Why a completion was refused.
public enum MaintenanceError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownDevice(String)
    /// Deliberately does not name the device's firm: a firm learns nothing about others' devices.
    case notTheDevicesFirm(device: String, firm: String)
    case inTheFuture(device: String, at: String)
    case store(String)

    public var description: String {
        switch self {
        case .unknownDevice(let d): "no registered device \(d)"
        case .notTheDevicesFirm(let d, let f): "device \(d) is not maintained by firm \(f)"
        case .inTheFuture(let d, let at): "maintenance of \(d) reported as done at \(at), which is in the future"
        case .store(let reason): "the store refused the record: \(reason)"
        }
    }

    /// Machine-readable code, for dead letters and API errors.
    public var code: String {
        switch self {
        case .unknownDevice: "unknown_device"
        case .notTheDevicesFirm: "wrong_firm"
        case .inTheFuture: "future"
        case .store: "store"
        }
    }
}
