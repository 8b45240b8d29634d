import Domain
import Foundation

/// One fill of a gas cylinder as the pipeline checked it (`equipwatch cylinders history`, `GET
/// /v1/cylinders/{id}/fills`): where, by whom, what went in, and whether it should have happened.
public struct FillItem: ResponseRow, Decodable, Equatable {
    /// When the fill ended (the record's `ts`).
    public var ts: Instant
    public var station: String
    public var stationName: String?
    public var licence: String?
    /// `ok` or `refused`.
    public var result: String
    /// The fill check's problems (`inspection_overdue`, `past_service_life`, ...), a JSON array.
    public var problems: RawJSON
    /// Details as JSON, per kind.
    public var detail: String?
    public var operatorName: String?
    /// The filler's certificate number, and why it does not cover the fill (`certificate_missing`,
    /// `certificate_expired`…; null: it does).
    public var fillerCert: String?
    public var fillerProblem: String?
    public var gun: String?
    public var gas: String?
    public var preFillCheck: String?
    /// When the condition began to hold.
    public var startedAt: String?
    public var tareKg: Double?
    public var grossKg: Double?
    public var netKg: Double?
    public var fillPressureMpa: Double?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case ts, station, stationName = "station_name", licence, result, problems, detail, operatorName = "operator"
        case fillerCert = "filler_cert", fillerProblem = "filler_problem", gun, gas
        case preFillCheck = "pre_fill_check", startedAt = "started_at", tareKg = "tare_kg", grossKg = "gross_kg", netKg = "net_kg"
        case fillPressureMpa = "fill_pressure_mpa"
    }
}
