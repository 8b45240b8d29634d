import Domain
import Foundation

/// A notice to a firm (`equipwatch notices`, `GET /v1/notices`).
public struct NoticeItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var createdAt: Instant
    public var kind: NoticeKind
    public var device: String
    public var type: String
    public var firm: String
    /// The firm's name beside its id.
    public var firmName: String?
    public var trigger: String
    /// Why, in the reader's language (the filter's `language`).
    public var reason: String
    /// What the reason says as a code (`maintenance.calendar`, `compliance.must_not_use`...)
    /// and the values it names; nil for notices written before codes (schema v17).
    var reasonCode: String?
    var reasonParameters: RawJSON
    public var dueBy: Instant?
    public var status: NoticeStatus
    public var ackedBy: String?
    public var ackedAt: Instant?
    public var closedAt: Instant?
    var closedByRecord: Int64?
    public var detail: RawJSON

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, createdAt = "created_at", kind, device, type, firm, firmName = "firm_name", trigger, reason
        case reasonCode = "reason_code", reasonParameters = "reason_parameters", dueBy = "due_by", status
        case ackedBy = "acked_by", ackedAt = "acked_at", closedAt = "closed_at", closedByRecord = "closed_by_record"
        case detail
    }
}

/// A completed maintenance with the counter baseline it began (`equipwatch maintenance history`).
public struct MaintenanceItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var doneAt: Instant
    public var firm: String
    public var items: RawJSON
    /// Item tiers covered beyond the routine ones (TSG T5002-2017), a JSON array.
    public var tiers: RawJSON
    public var source: CompletionSource
    public var reportedAt: Instant
    var appliedAt: Instant?
    public var baseline: RawJSON?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, doneAt = "done_at", firm, items, tiers, source, reportedAt = "reported_at", appliedAt = "applied_at"
        case baseline
    }
}

/// A device's current grade (D = L × E × C) and model version.
public struct RiskGradeItem: ResponseRow, Decodable, Equatable {
    public var grade: Grade
    public var score: Double
    public var likelihood: Double
    public var exposure: Double
    public var consequence: Double
    public var model: String
    public var computedAt: Instant
    public var since: Instant

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case grade, score, likelihood, exposure, consequence, model, computedAt = "computed_at", since
    }
}

/// One factor of a grade: its part (L, E or C), input and value.
public struct RiskFactorItem: ResponseRow, Decodable, Equatable {
    public var part: String
    public var factor: String
    public var input: String
    public var value: Double

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case part, factor, input, value
    }
}

/// A change of a device's grade.
public struct RiskHistoryItem: ResponseRow, Decodable, Equatable {
    public var at: Instant
    public var previous: Grade?
    public var grade: Grade
    public var score: Double
    public var model: String

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case at, previous, grade, score, model
    }
}

/// What recording a completion did: the record's id, the device and the notices it closed.
public struct CompletionResult: Sendable, Equatable {
    public let record: Int64
    public let deviceNum: Int64
    public let closedNotices: Int

    public init(record: Int64, deviceNum: Int64, closedNotices: Int) {
        (self.record, self.deviceNum, self.closedNotices) = (record, deviceNum, closedNotices)
    }
}
