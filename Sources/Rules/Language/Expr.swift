import Domain

/// The syntax tree of a rule expression, as parsed; every node keeps the offset of its first
/// character for error messages. Names are resolved and types checked later, by the compiler.
indirect enum Expr: Equatable {
    case number(Double, at: Int)
    case string(String, at: Int)
    case bool(Bool, at: Int)
    case duration(Int64, at: Int)
    /// A telemetry field, `event`, or `attr.NAME`.
    case name(String, at: Int)
    case unary(op: String, Expr, at: Int)
    case binary(op: String, Expr, Expr, at: Int)
    case call(name: String, args: [Expr], at: Int)

    var offset: Int {
        switch self {
        case .number(_, let at), .string(_, let at), .bool(_, let at), .duration(_, let at), .name(_, let at),
             .unary(_, _, let at), .binary(_, _, _, let at), .call(_, _, let at): at
        }
    }
}
