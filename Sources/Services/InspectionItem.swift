import DeviceCatalog
import Domain
import Ingest
import Inspection
import Records

/// A statutory inspection of a device: when it was last done, when it is due, and why.
public struct InspectionItem: ResponseRow, Equatable {
    /// What kind it is (a closed vocabulary, per record).
    public var kind: String
    public var last: String?
    public var due: String
    public var overdue: Bool
    public var basis: String

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable { case kind, last, due, overdue, basis }

    /// The device's due dates on `today`, from its type's policies and its registry entry.
    public static func dueDates(_ device: DeviceRecord, type: DeviceType, today: Day) -> [InspectionItem] {
        InspectionCalendar.dueDates(of: device, type: type)
            .map { InspectionItem(kind: $0.kind, last: $0.last?.description, due: $0.due.description, overdue: $0.isOverdue(on: today), basis: $0.basis) }
    }
}
