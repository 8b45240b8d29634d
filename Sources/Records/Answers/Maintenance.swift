import Domain
import Foundation

/// A notice to a firm (`equipwatch notices`, `GET /v1/notices`).
public struct NoticeItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// When it was created.
    public var createdAt: Instant
    /// What kind it is (a closed vocabulary, per record).
    public var kind: NoticeKind
    /// The device's registration code.
    public var device: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The maintenance firm's id.
    public var firm: String
    /// The firm's name beside its id.
    public var firmName: String?
    /// What made it due (a counter, the calendar, a fault, a rule).
    public var trigger: String
    /// Why, in the reader's language (the filter's `language`).
    public var reason: String
    /// What the reason says as a code (`maintenance.calendar`, `compliance.must_not_use`...)
    /// and the values it names; nil for notices written before codes (schema v17).
    public var reasonCode: String?
    public var reasonParameters: RawJSON
    /// When it is due (nil: no deadline).
    public var dueBy: Instant?
    /// Where it stands.
    public var status: NoticeStatus
    /// Who acknowledged it (nil until acknowledged).
    public var ackedBy: String?
    /// When it was acknowledged.
    public var ackedAt: Instant?
    /// When it was closed (nil while open).
    public var closedAt: Instant?
    public var closedByRecord: Int64?
    /// Details as JSON, per kind.
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
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// When the work was done.
    public var doneAt: Instant
    /// The maintenance firm's id.
    public var firm: String
    /// The certificate number of the worker who did it (none before certificates were required).
    public var workerCert: String?
    public var items: RawJSON
    /// Item tiers covered beyond the routine ones (TSG T5002-2017), a JSON array.
    public var tiers: RawJSON
    /// Who produced it (per record: the device or the pipeline, the API, MQTT or the CLI).
    public var source: CompletionSource
    public var reportedAt: Instant
    public var appliedAt: Instant?
    public var baseline: RawJSON?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, doneAt = "done_at", firm, workerCert = "worker_cert", items, tiers, source, reportedAt = "reported_at", appliedAt = "applied_at"
        case baseline
    }
}

/// A device's current grade (D = L × E × C) and model version.
public struct RiskGradeItem: ResponseRow, Decodable, Equatable {
    /// The risk grade (blue, yellow, orange, red).
    public var grade: Grade
    /// The risk score the grade comes from.
    public var score: Double
    /// The likelihood part of the score.
    public var likelihood: Double
    /// The exposure part of the consequence.
    public var exposure: Double
    /// The consequence part of the score.
    public var consequence: Double
    /// The risk model's version.
    public var model: String
    public var computedAt: Instant
    /// Since when (a local date or an instant, per kind).
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
    /// The value.
    public var value: Double

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case part, factor, input, value
    }
}

/// A change of a device's grade.
public struct RiskHistoryItem: ResponseRow, Decodable, Equatable {
    /// When it happened.
    public var at: Instant
    public var previous: Grade?
    /// The risk grade (blue, yellow, orange, red).
    public var grade: Grade
    /// The risk score the grade comes from.
    public var score: Double
    /// The risk model's version.
    public var model: String

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case at, previous, grade, score, model
    }
}

/// What recording a completion did: the record's id, the device and the notices it closed.
public struct CompletionResult: Sendable, Equatable {
    /// The maintenance record's id.
    public let record: Int64
    /// The device's compact key in the store.
    public let deviceNum: Int64
    public let closedNotices: Int

    public init(record: Int64, deviceNum: Int64, closedNotices: Int) {
        (self.record, self.deviceNum, self.closedNotices) = (record, deviceNum, closedNotices)
    }
}
