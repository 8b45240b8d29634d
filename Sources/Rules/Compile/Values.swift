import Domain

/// Three-valued truth: a condition over a value the device has not reported yet is `unknown`,
/// not false, so `not (speed_mps > 2)` does not hold merely because no speed was ever seen.
/// A rule fires only on `yes`; a clear condition clears only on `yes` (Kleene logic).
public enum Tri: UInt8, Sendable {
    case no, yes, unknown

    init(_ b: Bool) { self = b ? .yes : .no }

    var negated: Tri {
        switch self {
        case .no: .yes
        case .yes: .no
        case .unknown: .unknown
        }
    }
}

/// Compiled expressions are closures over the device's rule state: no re-parsing and no look-up
/// of a field by name per message. Numbers use NaN for "unknown" (never reported, or a window
/// with no samples), which IEEE arithmetic propagates and comparisons turn into `Tri.unknown`.
typealias NumFn = (DeviceRuleState) -> Double
typealias BoolFn = (DeviceRuleState) -> Tri
typealias StrFn = (DeviceRuleState) -> String?

/// The compiled form of an expression, by static type.
enum Compiled {
    case number(NumFn)
    case bool(BoolFn)
    /// A free-form string (string fields and attributes).
    case string(StrFn)
    /// An enumerated value held as its index among `values` (enum fields and attributes, and
    /// `event`, whose values are the type's event codes).
    case enumeration(NumFn, values: [String], source: EnumSource)
    /// A string literal; only meaningful compared with a string or an enumerated value.
    case literal(String)
    case duration(Int64)

    var typeName: String {
        switch self {
        case .number: "a number"
        case .bool: "a condition (true/false)"
        case .string: "a string"
        case .enumeration(_, _, let source): source.what
        case .literal: "a string literal"
        case .duration: "a duration"
        }
    }
}

/// Where an enumerated value comes from: the message's event code, a field or an attribute.
enum EnumSource: Equatable {
    case event
    case field(String)
    case attribute(String)

    /// How error messages name it.
    var what: String {
        switch self {
        case .event: "the event code"
        case .field(let name): "field '\(name)'"
        case .attribute(let name): "attribute '\(name)'"
        }
    }
}
