import Domain
import DeviceCatalog

/// The checks a completion report must pass before it is recorded (SPEC §11), whatever path it
/// came by (CLI, MQTT, API): the reporting firm maintains the device, and the work is not dated
/// in the future beyond the clock tolerance.
public struct CompletionPolicy: Sendable {
    /// How far ahead of the report's arrival `done_at` may lie (gateway and phone clocks drift).
    public var futureToleranceMs: Int64 = 60_000
    /// Notice kinds a completed maintenance closes.
    public var closes: [NoticeKind] = NoticeKind.closedByMaintenance
    /// By device type: the certificate items of which the worker must hold a valid one
    /// (`maintenance.worker_certificates` in `Devices/types/`).
    public var workerCertificates: [String: [CertificateItem]] = [:]

    public init() {}

    /// The policy of these device types.
    public init(types: some Sequence<DeviceType>) {
        for t in types { if let items = t.maintenance?.worker_certificates, !items.isEmpty { workerCertificates[t.id] = items } }
    }

    /// Refuses `c` on a device of `type` when its worker's certificate does not let it stand
    /// (the day of the work in `days`); `lookup` finds a registered certificate.
    public func checkWorker(_ c: Completion, type: String, days: LocalDays, lookup: (String) -> Certificate?) throws(MaintenanceError) {
        let needs = workerCertificates[type] ?? []
        if let problem = CertificateRule.problem(number: c.workerCert, needs: needs, on: days.day(c.doneAt), reporter: .firm(c.firm), lookup: lookup) {
            throw .certificate(problem)
        }
    }

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
    /// The worker's certificate is missing, unknown, expired, of another item or employer.
    case certificate(CertificateProblem)
    case store(String)

    public var description: String {
        switch self {
        case .unknownDevice(let d): "no registered device \(d)"
        case .notTheDevicesFirm(let d, let f): "device \(d) is not maintained by firm \(f)"
        case .inTheFuture(let d, let at): "maintenance of \(d) reported as done at \(at), which is in the future"
        case .certificate(let p): p.description
        case .store(let reason): "the store refused the record: \(reason)"
        }
    }

    /// Machine-readable code, for dead letters and API errors.
    public var code: String {
        switch self {
        case .unknownDevice: "unknown_device"
        case .notTheDevicesFirm: "wrong_firm"
        case .inTheFuture: "future"
        case .certificate(let p): p.code
        case .store: "store"
        }
    }
}
