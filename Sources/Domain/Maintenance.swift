/// Where a completion report came from.
public enum CompletionSource: String, Sendable, Codable {
    case cli, mqtt, api
}

/// A completed maintenance as reported by a firm.
public struct Completion: Sendable {
    public let device: String
    public let firm: String
    public let items: [String]
    public let doneAt: Int64
    public let source: CompletionSource
    public let reportedAt: Int64

    public init(device: String, firm: String, items: [String], doneAt: Int64, source: CompletionSource, reportedAt: Int64) {
        self.device = device
        self.firm = firm
        self.items = items
        self.doneAt = doneAt
        self.source = source
        self.reportedAt = reportedAt
    }
}


/// A completed maintenance as the store recorded it (CLI, MQTT or, later, the HTTP API).
public struct MaintenanceRecord: Sendable, Equatable {
    public let id: Int64
    public let deviceNum: Int64
    public let firm: String
    public let doneAt: Int64
    public init(id: Int64, deviceNum: Int64, firm: String, doneAt: Int64) {
        self.id = id
        self.deviceNum = deviceNum
        self.firm = firm
        self.doneAt = doneAt
    }
}
