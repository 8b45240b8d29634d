import Domain
import Records
import Foundation
import GRDB

// Values of the records (`Records`) as columns: an instant as epoch milliseconds, JSON and
// payloads as their text.
extension Instant: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { millis.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Instant? { Int64.fromDatabaseValue(dbValue).map(Instant.init) }
}

extension RawJSON: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { text.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> RawJSON? { String.fromDatabaseValue(dbValue).map(RawJSON.init) }
}

extension PayloadText: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { Data(text.utf8).databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> PayloadText? {
        guard let data = Data.fromDatabaseValue(dbValue) else { return nil }
        return PayloadText(String(data: data, encoding: .utf8) ?? "base64:" + data.base64EncodedString())
    }
}

// The records' rows decode from SQLite rows by their coding keys (the SELECT's column names).
extension AlarmCountItem: FetchableRecord {}
extension AlarmItem: FetchableRecord {}
extension DeadLetterItem: FetchableRecord {}
extension DeviceItem: FetchableRecord {}
extension EventItem: FetchableRecord {}
extension FillItem: FetchableRecord {}
extension GradeCountItem: FetchableRecord {}
extension HazardItem: FetchableRecord {}
extension HazardStepItem: FetchableRecord {}
extension IncidentItem: FetchableRecord {}
extension InspectionRecordItem: FetchableRecord {}
extension InspectionStatsItem: FetchableRecord {}
extension MaintenanceItem: FetchableRecord {}
extension MaintenanceTimelinessItem: FetchableRecord {}
extension NameItem: FetchableRecord {}
extension NoticeItem: FetchableRecord {}
extension OutageItem: FetchableRecord {}
extension ReadingItem: FetchableRecord {}
extension RiskFactorItem: FetchableRecord {}
extension RiskGradeItem: FetchableRecord {}
extension RiskHistoryItem: FetchableRecord {}
extension TimelineItem: FetchableRecord {}
extension TokenItem: FetchableRecord {}
extension ChangeRow: FetchableRecord {}

// The closed vocabularies read from and written to their columns by raw value.
extension Severity: DatabaseValueConvertible {}
extension Grade: DatabaseValueConvertible {}
extension NoticeKind: DatabaseValueConvertible {}
extension NoticeStatus: DatabaseValueConvertible {}
extension IncidentStatus: DatabaseValueConvertible {}
extension AlarmState: DatabaseValueConvertible {}
extension OutageCause: DatabaseValueConvertible {}
extension DeadLetterReason: DatabaseValueConvertible {}
extension CompletionSource: DatabaseValueConvertible {}

/// The SQL of a text column read in `language`: its Chinese twin (`{column}_zh`) when the reader
/// reads Chinese and the row has one, else the column itself (English).
func localized(_ column: String, _ language: Language) -> String {
    language == .zh ? "COALESCE(\(column)_zh, \(column))" : column
}
