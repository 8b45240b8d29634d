import Domain
import Foundation

/// The pipeline's own outage (`equipwatch outages`, `GET /v1/outages`): a span in which it was not
/// receiving, so silence then was not the devices' fault.
public struct OutageItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    public var cause: OutageCause
    /// When the condition began to hold.
    public var startedAt: Instant
    /// nil while it lasts.
    public var endedAt: Instant?
    /// Whole seconds from start to end (to now while it lasts).
    public var seconds: Int64

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, cause, startedAt = "started_at", endedAt = "ended_at", seconds
    }
}
