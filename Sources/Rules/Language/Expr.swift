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
    case unary(op: UnaryOp, Expr, at: Int)
    case binary(op: BinaryOp, Expr, Expr, at: Int)
    case call(name: String, args: [Expr], at: Int)

    var offset: Int {
        switch self {
        case .number(_, let at), .string(_, let at), .bool(_, let at), .duration(_, let at), .name(_, let at),
             .unary(_, _, let at), .binary(_, _, _, let at), .call(_, _, let at): at
        }
    }
}

/// Prefix operators; the raw value is how the rule text writes them.
enum UnaryOp: String, Equatable {
    case not
    case negate = "-"
}

/// Infix operators; the raw value is how the rule text writes them.
enum BinaryOp: String, Equatable, CaseIterable {
    case and, or
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    static let comparisons: Set<BinaryOp> = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
}

extension Expr {
    /// The event codes this expression can hold on, when it reads `event` only as
    /// `event == "CODE"` (either way round): those codes; nil when it reads `event` any other way
    /// (`event != "x"`, `event` in a function), so any code may make it hold. Empty when it does
    /// not read `event` at all.
    var eventCodes: Set<String>? {
        var codes: Set<String> = []
        var any = false
        func walk(_ e: Expr) {
            switch e {
            case .binary(.equal, .name("event", _), .string(let code, _), _), .binary(.equal, .string(let code, _), .name("event", _), _):
                codes.insert(code)
            case .name("event", _):
                any = true
            case .binary(_, let l, let r, _):
                walk(l)
                walk(r)
            case .unary(_, let x, _):
                walk(x)
            case .call(_, let args, _):
                args.forEach(walk)
            case .number, .string, .bool, .duration, .name:
                break
            }
        }
        walk(self)
        return any ? nil : codes
    }
}
