import Domain
import Foundation

/// A registered device with what inspection planning needs beside the registry entry.
public struct InspectionInput: Sendable {
    public let record: DeviceRecord
    public let grade: Grade?
    public let siteName: String?

    public init(record: DeviceRecord, grade: Grade? = nil, siteName: String? = nil) {
        (self.record, self.grade, self.siteName) = (record, grade, siteName)
    }
}

/// One recorded inspection (`equipwatch inspections history`, `GET /v1/devices/{id}/inspections`).
public struct InspectionRecordItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var device: String
    public var kind: String
    public var date: String
    public var result: InspectionResult
    public var grade: Int?
    public var inspector: String?
    public var organisation: String?
    var reportNo: String?
    public var source: InspectionSource
    public var recordedBy: String
    var recordedAt: Instant
    /// The kind's due date when it was recorded (nil for registry seeds).
    public var dueBefore: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, kind, date, result, grade, inspector, organisation, reportNo = "report_no", source
        case recordedBy = "recorded_by", recordedAt = "recorded_at", dueBefore = "due_before"
    }
}
