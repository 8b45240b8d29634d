import Domain

/// Rows of a query with named columns: what the CLI prints as a table, JSON or CSV, and what the
/// HTTP API will serve, so both speak with the same keys.
public struct ResultTable: Sendable {
    public let columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]] = []) { (self.columns, self.rows) = (columns, rows) }

    /// A value in a result: JSON text columns (reading data, attributes) are kept as raw JSON so
    /// `--json` nests them instead of quoting them.
    public enum Cell: Sendable, Equatable {
        case null
        case int(Int64)
        case double(Double)
        case text(String)
        case bool(Bool)
        case json(String)
        /// A moment (epoch ms): RFC 3339 UTC in JSON, local with its offset in tables and CSV.
        case time(Int64)

        /// The value as text; times in RFC 3339 UTC.
        public var plain: String {
            switch self {
            case .null: ""
            case .int(let i): String(i)
            case .double(let d): formatNumber(d)
            case .text(let s), .json(let s): s
            case .bool(let b): b ? "true" : "false"
            case .time(let ms): Timestamp.format(ms)
            }
        }

        /// For a person's table: times in `zone` with their offset.
        public func table(in zone: DisplayZone) -> String {
            if case .time(let ms) = self { return zone.table(ms) }
            return plain
        }

        /// For CSV: times as RFC 3339 with `zone`'s offset.
        public func csv(in zone: DisplayZone) -> String {
            if case .time(let ms) = self { return zone.rfc3339(ms) }
            return plain
        }
    }
}
