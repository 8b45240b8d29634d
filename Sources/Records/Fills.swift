import Domain
import Foundation

/// One fill of a gas cylinder as the pipeline checked it (`equipwatch cylinders history`, `GET
/// /v1/cylinders/{id}/fills`): where, by whom, what went in, and whether it should have happened.
public struct FillItem: ResponseRow, Decodable, Equatable {
    /// When the fill ended (the record's `ts`).
    public var ts: Instant
    public var station: String
    var stationName: String?
    public var licence: String?
    /// `ok` or `refused`.
    public var result: String
    /// The fill check's problems (`inspection_overdue`, `past_service_life`, ...), a JSON array.
    public var problems: RawJSON
    public var detail: String?
    public var operatorName: String?
    public var gun: String?
    public var gas: String?
    var preFillCheck: String?
    public var startedAt: String?
    var tareKg: Double?
    var grossKg: Double?
    public var netKg: Double?
    var fillPressureMpa: Double?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case ts, station, stationName = "station_name", licence, result, problems, detail, operatorName = "operator", gun, gas
        case preFillCheck = "pre_fill_check", startedAt = "started_at", tareKg = "tare_kg", grossKg = "gross_kg", netKg = "net_kg"
        case fillPressureMpa = "fill_pressure_mpa"
    }
}
