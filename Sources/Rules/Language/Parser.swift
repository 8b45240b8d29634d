import Domain

/// A precedence-climbing parser for rule expressions.
///
/// Precedence, lowest first: `or`, `and`, `not`, comparisons (non-associative: `a < b < c` is an
/// error rather than a surprise), `+ -`, `* /`, unary minus, then literals, names, calls and
/// parentheses.
struct Parser {
    private let tokens: [Token]
    private var position = 0

    static func parse(_ text: String) throws(ExpressionError) -> Expr {
        var p = Parser(tokens: try Lexer.tokenize(text))
        if case .end = p.peek.kind { throw ExpressionError(offset: 0, reason: "the expression is empty") }
        let e = try p.orExpr()
        guard case .end = p.peek.kind else {
            throw ExpressionError(offset: p.peek.offset, reason: "unexpected \(p.peek.describe) after a complete expression")
        }
        return e
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[position] }
    private mutating func advance() -> Token { defer { position += 1 }; return tokens[position] }

    private mutating func accept(_ kind: Token.Kind) -> Token? {
        guard peek.kind == kind else { return nil }
        return advance()
    }

    private mutating func orExpr() throws(ExpressionError) -> Expr {
        var left = try andExpr()
        while let t = accept(.keyword("or")) { left = .binary(op: .or, left, try andExpr(), at: t.offset) }
        return left
    }

    private mutating func andExpr() throws(ExpressionError) -> Expr {
        var left = try notExpr()
        while let t = accept(.keyword("and")) { left = .binary(op: .and, left, try notExpr(), at: t.offset) }
        return left
    }

    private mutating func notExpr() throws(ExpressionError) -> Expr {
        if let t = accept(.keyword("not")) { return .unary(op: .not, try notExpr(), at: t.offset) }
        return try comparison()
    }

    private mutating func comparison() throws(ExpressionError) -> Expr {
        let left = try additive()
        guard case .op(let text) = peek.kind, let op = BinaryOp(rawValue: text), BinaryOp.comparisons.contains(op) else { return left }
        let t = advance()
        let right = try additive()
        if case .op(let next) = peek.kind, let nextOp = BinaryOp(rawValue: next), BinaryOp.comparisons.contains(nextOp) {
            throw ExpressionError(offset: peek.offset, reason: "comparisons do not chain; write 'a \(text) b and b \(next) c'")
        }
        return .binary(op: op, left, right, at: t.offset)
    }

    private mutating func additive() throws(ExpressionError) -> Expr {
        var left = try multiplicative()
        while case .op(let text) = peek.kind, let op = BinaryOp(rawValue: text), op == .add || op == .subtract {
            let t = advance()
            left = .binary(op: op, left, try multiplicative(), at: t.offset)
        }
        return left
    }

    private mutating func multiplicative() throws(ExpressionError) -> Expr {
        var left = try unary()
        while case .op(let text) = peek.kind, let op = BinaryOp(rawValue: text), op == .multiply || op == .divide {
            let t = advance()
            left = .binary(op: op, left, try unary(), at: t.offset)
        }
        return left
    }

    private mutating func unary() throws(ExpressionError) -> Expr {
        if let t = accept(.op("-")) { return .unary(op: .negate, try unary(), at: t.offset) }
        return try primary()
    }

    private mutating func primary() throws(ExpressionError) -> Expr {
        let t = advance()
        switch t.kind {
        case .number(let v): return .number(v, at: t.offset)
        case .string(let s): return .string(s, at: t.offset)
        case .duration(let ms): return .duration(ms, at: t.offset)
        case .keyword("true"): return .bool(true, at: t.offset)
        case .keyword("false"): return .bool(false, at: t.offset)
        case .identifier(let name):
            guard accept(.op("(")) != nil else { return .name(name, at: t.offset) }
            var args: [Expr] = []
            if accept(.op(")")) == nil {
                repeat { args.append(try orExpr()) } while accept(.op(",")) != nil
                guard accept(.op(")")) != nil else {
                    throw ExpressionError(offset: peek.offset, reason: "expected ',' or ')' in the arguments of \(name)(), found \(peek.describe)")
                }
            }
            return .call(name: name, args: args, at: t.offset)
        case .op("("):
            let e = try orExpr()
            guard accept(.op(")")) != nil else {
                throw ExpressionError(offset: peek.offset, reason: "expected ')' to close a '(', found \(peek.describe)")
            }
            return e
        default:
            throw ExpressionError(offset: t.offset, reason: "expected a value, a name or '(', found \(t.describe)")
        }
    }
}

extension Token {
    var describe: String {
        switch kind {
        case .number(let v): "the number \(v)"
        case .duration: "a duration"
        case .string(let s): "the string \"\(s)\""
        case .identifier(let s): "'\(s)'"
        case .keyword(let s): "'\(s)'"
        case .op(let s): "'\(s)'"
        case .end: "the end of the expression"
        }
    }
}
