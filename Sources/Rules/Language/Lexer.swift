import Domain
import DeviceCatalog

/// A token of the rule expression language, with the offset (in characters) where it starts, so
/// every error can point at the exact column of the rule file.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case duration(Int64)          // milliseconds: `60s`, `10m`, `24h`
        case string(String)
        case identifier(String)       // field names, `attr.NAME`, `event`, function names
        case keyword(String)          // and, or, not, true, false
        case op(String)               // + - * / == != < <= > >= ( ) ,
        case end
    }
    let kind: Kind
    let offset: Int
}

/// Splits an expression into tokens. Durations are tokens of their own (`60s`), so a window's
/// length is checked by the parser rather than guessed from a bare number.
struct Lexer {
    static let keywords: Set<String> = ["and", "or", "not", "true", "false"]

    static func tokenize(_ text: String) throws(ExpressionError) -> [Token] {
        let chars = Array(text)
        var tokens: [Token] = []
        var i = 0
        func isIdentStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        func isIdent(_ c: Character) -> Bool { isIdentStart(c) || (c.isASCII && c.isNumber) || c == "." }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isASCII && c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                while i < chars.count, chars[i].isASCII, chars[i].isNumber || chars[i] == "." { i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E",
                   i + 1 < chars.count, chars[i + 1].isNumber || ((chars[i + 1] == "-" || chars[i + 1] == "+") && i + 2 < chars.count && chars[i + 2].isNumber) {
                    i += 2
                    while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
                }
                let number = String(chars[start..<i])
                var unitEnd = i
                while unitEnd < chars.count, chars[unitEnd].isASCII, chars[unitEnd].isLetter { unitEnd += 1 }
                if unitEnd > i {
                    let text = number + String(chars[i..<unitEnd])
                    guard let d = Interval(parsing: text)?.milliseconds else {
                        throw ExpressionError(offset: start, reason: "'\(text)' is not a duration (use ms, s, m, h, d or w after a whole number)")
                    }
                    tokens.append(Token(kind: .duration(d), offset: start))
                    i = unitEnd
                    continue
                }
                guard let v = Double(number) else { throw ExpressionError(offset: start, reason: "'\(number)' is not a number") }
                tokens.append(Token(kind: .number(v), offset: start))
                continue
            }
            if isIdentStart(c) {
                while i < chars.count, isIdent(chars[i]) { i += 1 }
                let word = String(chars[start..<i])
                if word.hasSuffix(".") { throw ExpressionError(offset: i - 1, reason: "a name cannot end with '.'") }
                tokens.append(Token(kind: keywords.contains(word) ? .keyword(word) : .identifier(word), offset: start))
                continue
            }
            if c == "\"" || c == "'" {
                i += 1
                var s = ""
                while i < chars.count, chars[i] != c {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    s.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw ExpressionError(offset: start, reason: "unterminated string") }
                i += 1
                tokens.append(Token(kind: .string(s), offset: start))
                continue
            }
            let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                if two == "&&" || two == "||" {
                    throw ExpressionError(offset: start, reason: "use '\(two == "&&" ? "and" : "or")' instead of '\(two)'")
                }
                tokens.append(Token(kind: .op(two), offset: start))
                i += 2
                continue
            }
            if "+-*/<>(),".contains(c) {
                tokens.append(Token(kind: .op(String(c)), offset: start))
                i += 1
                continue
            }
            if c == "=" { throw ExpressionError(offset: start, reason: "use '==' to compare") }
            if c == "!" { throw ExpressionError(offset: start, reason: "use 'not' to negate") }
            throw ExpressionError(offset: start, reason: "unexpected character '\(c)'")
        }
        tokens.append(Token(kind: .end, offset: chars.count))
        return tokens
    }
}

/// A problem in one expression, at a character offset within it; the loader turns the offset
/// into a line and column of the rule file.
struct ExpressionError: Error, Equatable {
    let offset: Int
    let reason: String
}
