import Domain

/// Rows of a query with named columns: what the CLI prints as a table, JSON or CSV, and what the
/// HTTP API will serve, so both speak with the same keys.
public struct ResultTable: Sendable {
    public let columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// A value in a result: JSON text columns (reading data, attributes) are kept as raw JSON so
    /// `--json` nests them instead of quoting them.
    public enum Cell: Sendable, Equatable {
        case null
        case int(Int64)
        case double(Double)
        case text(String)
        case bool(Bool)
        case json(String)

        public var plain: String {
            switch self {
            case .null: ""
            case .int(let i): String(i)
            case .double(let d): formatNumber(d)
            case .text(let s), .json(let s): s
            case .bool(let b): b ? "true" : "false"
            }
        }
    }
}
