import Domain
import Foundation

/// A registered device with what inspection planning needs beside the registry entry.
public struct InspectionInput: Sendable {
    /// The maintenance record's id.
    public let record: DeviceRecord
    /// The risk grade (blue, yellow, orange, red).
    public let grade: Grade?
    /// The site's name, for the person reading.
    public let siteName: String?

    public init(record: DeviceRecord, grade: Grade? = nil, siteName: String? = nil) {
        (self.record, self.grade, self.siteName) = (record, grade, siteName)
    }
}

/// One recorded inspection (`equipwatch inspections history`, `GET /v1/devices/{id}/inspections`).
public struct InspectionRecordItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The device's registration code.
    public var device: String
    /// What kind it is (a closed vocabulary, per record).
    public var kind: String
    public var date: String
    public var result: InspectionResult
    /// The inspection's safety grade (1 to 5), when the type uses one.
    public var grade: Int?
    public var inspector: String?
    /// The organisation of the person recording it.
    public var organisation: String?
    public var reportNo: String?
    /// Who produced it (per record: the device or the pipeline, the API, MQTT or the CLI).
    public var source: InspectionSource
    public var recordedBy: String
    public var recordedAt: Instant
    /// The kind's due date when it was recorded (nil for registry seeds).
    public var dueBefore: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, kind, date, result, grade, inspector, organisation, reportNo = "report_no", source
        case recordedBy = "recorded_by", recordedAt = "recorded_at", dueBefore = "due_before"
    }
}
