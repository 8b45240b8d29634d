import Domain
import Foundation

/// What alarms and incidents are counted by (SPEC §12 statistics).
public enum StatsDimension: String, Sendable, CaseIterable, Codable {
    case type, severity, month, site, firm, rule
}

/// Alarms and incidents for one value of a dimension.
public struct AlarmCountItem: ResponseRow, Decodable, Equatable {
    /// The value counted by (a type, a month, a firm...).
    public var key: String
    public var alarms: Int
    public var critical: Int
    public var incidents: Int

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable { case key, alarms, critical, incidents }
}

/// One trapped-passenger rescue clock, raw (response figures are computed above the store).
public struct RescueRow: Sendable, Equatable {
    /// The maintenance firm's id.
    public let firm: String
    /// The firm's name, for the person reading.
    public let firmName: String?
    /// When it fired (nil while pending).
    public let firedAt: Int64
    public let withinMs: Int64
    public let onSiteAt: Int64?
    /// When it resolved (nil while open).
    public let resolvedAt: Int64?
    public let escalatedAt: Int64?
    /// The trapped alarm's id, and who reported the firm on site.
    public var alarmId: Int64?
    public var onSiteBy: String?

    public init(firm: String, firmName: String?, firedAt: Int64, withinMs: Int64, onSiteAt: Int64?, resolvedAt: Int64?, escalatedAt: Int64?,
                alarmId: Int64? = nil, onSiteBy: String? = nil) {
        (self.firm, self.firmName, self.firedAt, self.withinMs, self.onSiteAt) = (firm, firmName, firedAt, withinMs, onSiteAt)
        (self.resolvedAt, self.escalatedAt, self.alarmId, self.onSiteBy) = (resolvedAt, escalatedAt, alarmId, onSiteBy)
    }
}

/// Maintenance notices with a deadline in the period, per firm.
public struct MaintenanceTimelinessItem: ResponseRow, Decodable, Equatable {
    /// The maintenance firm's id.
    public var firm: String
    /// The firm's name, for the person reading.
    public var firmName: String?
    public var notices: Int
    /// How many were done by their deadline.
    public var onTime: Int
    /// How many were done after their deadline, or are overdue.
    public var late: Int
    public var openOverdue: Int

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case firm, firmName = "firm_name", notices, onTime = "on_time", late, openOverdue = "open_overdue"
    }
}

/// Inspections recorded in the period and the must-not-use devices now.
public struct InspectionStatsItem: ResponseRow, Decodable, Equatable {
    public var recorded: Int
    public var passed: Int
    public var failed: Int
    /// How many were done by their deadline.
    public var onTime: Int
    /// How many were done after their deadline, or are overdue.
    public var late: Int
    public var mustNotUse: Int
    public var overdueNow: Int
    public var failedNow: Int

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case recorded, passed, failed, onTime = "on_time", late, mustNotUse = "must_not_use", overdueNow = "overdue_now", failedNow = "failed_now"
    }
}

/// Devices per current risk grade.
public struct GradeCountItem: ResponseRow, Decodable, Equatable {
    /// The risk grade (blue, yellow, orange, red).
    public var grade: String
    /// How many devices.
    public var devices: Int
    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable { case grade, devices }
}
