/// A single typed value: a reading, an attribute or a policy figure.
///
/// Integers are kept as `Double` (exact up to 2^53, far beyond any counter a device reports),
/// so range checks and arithmetic need no conversions.
public enum Scalar: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case bool(Bool)
    case string(String)

    public var number: Double? { if case .number(let v) = self { v } else { nil } }
    public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var string: String? { if case .string(let v) = self { v } else { nil } }

    public var description: String {
        switch self {
        case .number(let v): formatNumber(v)
        case .bool(let v): v ? "true" : "false"
        case .string(let v): v
        }
    }
}

/// Prints whole numbers without a fractional part, so `42` round-trips as `42`, not `42.0`.
public func formatNumber(_ v: Double) -> String {
    if v.rounded() == v, abs(v) < 1e15 { return String(Int64(v)) }
    return String(v)
}
