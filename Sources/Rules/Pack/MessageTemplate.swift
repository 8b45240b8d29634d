import Foundation
import Domain
import DeviceCatalog
import Ingest

/// A rule's `message`: text with `{expression}` placeholders, compiled with the rule, so a
/// placeholder naming an undeclared field is a load error like any other. `{device}`, `{site}`,
/// `{firm}` and `{type}` name the device itself.
struct MessageTemplate {
    enum Part {
        case text(String)
        case value(Compiled)
        case device, site, firm, type
    }
    let parts: [Part]

    init(_ text: String, compiler: inout Compiler) throws(ExpressionError) {
        var parts: [Part] = []
        var literal = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            guard c == "{" else { literal.append(c); i = text.index(after: i); continue }
            let start = text.distance(from: text.startIndex, to: i) + 1
            guard let close = text[i...].firstIndex(of: "}") else {
                throw ExpressionError(offset: start - 1, reason: "'{' without a closing '}'")
            }
            let inner = String(text[text.index(after: i)..<close])
            if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
            switch inner.trimmingCharacters(in: .whitespaces) {
            case "device": parts.append(.device)
            case "site": parts.append(.site)
            case "firm": parts.append(.firm)
            case "type": parts.append(.type)
            default:
                do { parts.append(.value(try compiler.compile(try Parser.parse(inner)))) } catch {
                    throw ExpressionError(offset: start + error.offset, reason: error.reason)
                }
            }
            i = text.index(after: close)
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    func render(_ s: DeviceRuleState) -> String {
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .value(let c): out += render(c, s)
            case .device: out += s.device.id
            case .site: out += s.device.site
            case .firm: out += s.device.firm
            case .type: out += s.program.type.id
            }
        }
        return out
    }

    private func render(_ c: Compiled, _ s: DeviceRuleState) -> String {
        switch c.value(s) {
        case .number(let v): return v.isNaN ? "?" : formatRounded(v)
        case .bool(let b): return b ? "true" : "false"
        case .string(let t): return t
        case nil: return "?"
        }
    }
}

extension Compiled {
    /// The current value, for recorded inputs and messages; nil when unknown.
    func value(_ s: DeviceRuleState) -> Scalar? {
        switch self {
        case .number(let code): let v = Program(code, strings: s.program.layout.strings).run(s); return v.isNaN ? nil : .number(v)
        case .bool(let code):
            switch Program(code, strings: s.program.layout.strings).truth(s) {
            case .yes: return .bool(true)
            case .no: return .bool(false)
            case .unknown: return nil
            }
        case .string(let source): return source.value(s).map(Scalar.string)
        case .enumeration(let code, let values, _):
            let v = Program(code, strings: s.program.layout.strings).run(s)
            return v.isNaN || Int(v) >= values.count ? nil : .string(values[Int(v)])
        case .literal(let t): return .string(t)
        case .duration(let ms): return .string(Interval(milliseconds: ms).description)
        }
    }
}

/// Up to three decimals, without trailing zeros: 1.8125 → "1.813", 2 → "2".
func formatRounded(_ v: Double) -> String {
    let r = (v * 1000).rounded() / 1000
    return formatNumber(r)
}
