/// Where a completion report came from.
public enum CompletionSource: String, Sendable, Codable {
    case cli, mqtt, api
}

/// The item lists of maintenance (TSG T5002-2017). `halfMonthly` is the routine visit every
/// completion covers; the others have cycles of their own (`tiers` in `Devices/types/`).
public enum MaintenanceTier: String, Sendable, Codable, CaseIterable {
    case halfMonthly = "half_monthly"
    case quarterly
    case halfYearly = "half_yearly"
    case yearly

    /// Its name in Chinese: 半月, 季度, 半年, 年度.
    public var chinese: String {
        switch self {
        case .halfMonthly: "半月"
        case .quarterly: "季度"
        case .halfYearly: "半年"
        case .yearly: "年度"
        }
    }
}

/// A completed maintenance as reported by a firm.
public struct Completion: Sendable {
    /// The device's registration code.
    public let device: String
    /// The maintenance firm's id.
    public let firm: String
    public let items: [String]
    /// The item tiers the work covered beyond the routine ones.
    public let tiers: [MaintenanceTier]
    /// When the work was done.
    public let doneAt: Int64
    /// Who produced it (per record: the device or the pipeline, the API, MQTT or the CLI).
    public let source: CompletionSource
    public let reportedAt: Int64
    /// The number of the certificate (特种设备作业人员证) of the worker who did it; types whose
    /// maintenance needs one (`worker_certificates`) refuse a record without a valid one.
    public let workerCert: String?

    public init(device: String, firm: String, items: [String], doneAt: Int64, source: CompletionSource, reportedAt: Int64,
                tiers: [MaintenanceTier] = [], workerCert: String? = nil) {
        (self.device, self.firm, self.items, self.tiers, self.doneAt, self.source) = (device, firm, items, tiers, doneAt, source)
        (self.reportedAt, self.workerCert) = (reportedAt, workerCert)
    }
}


/// A completed maintenance as the store recorded it (CLI, MQTT or, later, the HTTP API).
public struct MaintenanceRecord: Sendable, Equatable {
    public let id: Int64
    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// The maintenance firm's id.
    public let firm: String
    /// When the work was done.
    public let doneAt: Int64
    /// Item tiers beyond the routine ones the work covered (`quarterly`, `half_yearly`, `yearly`).
    public let tiers: [MaintenanceTier]
    public init(id: Int64, deviceNum: Int64, firm: String, doneAt: Int64, tiers: [MaintenanceTier] = []) {
        (self.id, self.deviceNum, self.firm, self.doneAt, self.tiers) = (id, deviceNum, firm, doneAt, tiers)
    }
}
