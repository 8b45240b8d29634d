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

/// The compiled form of an expression, by static type: code that leaves the value on the stack
/// (see `Program`), or what only a comparison can use. Names are resolved to positions and
/// slots; nothing is looked up by name per message.
enum Compiled {
    case number([Instruction])
    case bool([Instruction])
    /// A free-form string (string fields and attributes).
    case string(StringSource)
    /// An enumerated value held as its index among `values` (enum fields and attributes, and
    /// `event`, whose values are the type's event codes).
    case enumeration([Instruction], values: [String], source: EnumSource)
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
