import Domain
import DeviceCatalog

/// Where each piece of per-device rule state lives in a device's slot array, for one device type.
///
/// All rules of a type share one layout; a window used by several rules is kept once. The layout's
/// `signature` names every window, so state can be carried from one layout to the next (a hot
/// reload, a restart with edited packs) window by window.
final class SlotLayout {
    private(set) var windows: [WindowSpec] = []
    /// `changed(f)`: two slots per field (previous value, changed-on-this-message flag).
    private(set) var changes: [(field: Int, offset: Int)] = []
    /// `absent(code, d)`: one slot per event code, the event time of its last occurrence (or of the
    /// device's first message, before any).
    private(set) var sinceEvents: [(code: Int, name: String, offset: Int)] = []
    private(set) var count = 0
    /// Registry attributes referenced by the rules, in slot order of the device's attribute array.
    private(set) var attributes: [AttributeSpec] = []
    /// Set while compiling a rule that reads a window or `silent()`: its value changes with time
    /// alone, so the clock must re-evaluate it between messages.
    var timeDependent = false
    /// Some rule of the type reads `must_not_use`: the engine asks its status source for each
    /// of the type's messages (and only then).
    var readsStatus = false
    /// The string literals the type's programs compare with, by position (`StringOperand`).
    private(set) var strings: [String] = []

    func literal(_ text: String) -> Int {
        if let i = strings.firstIndex(of: text) { return i }
        strings.append(text)
        return strings.count - 1
    }

    func window(kind: WindowSpec.Kind, field: Int, condition: Program?, widthMs: Int64, key: String) -> WindowSpec {
        timeDependent = true
        if let existing = windows.first(where: { $0.key == key }) { return existing }
        var spec = WindowSpec(kind: kind, field: field, condition: condition, widthMs: widthMs, key: key)
        spec.offset = count
        count += WindowSpec.slotCount
        windows.append(spec)
        return spec
    }

    func changed(field: Int) -> Int {
        if let c = changes.first(where: { $0.field == field }) { return c.offset }
        let o = count
        count += 2
        changes.append((field, o))
        return o
    }

    func since(code: Int, name: String) -> Int {
        timeDependent = true
        if let e = sinceEvents.first(where: { $0.code == code }) { return e.offset }
        let o = count
        count += 1
        sinceEvents.append((code, name, o))
        return o
    }

    func attributeIndex(_ spec: AttributeSpec) -> Int {
        if let i = attributes.firstIndex(where: { $0.name == spec.name }) { return i }
        attributes.append(spec)
        return attributes.count - 1
    }

    /// Slot ranges by key, for carrying state across layouts.
    var keyedRanges: [String: Range<Int>] {
        var r: [String: Range<Int>] = [:]
        for w in windows { r[w.key] = w.offset..<(w.offset + WindowSpec.slotCount) }
        for c in changes { r["changed#\(c.field)"] = c.offset..<(c.offset + 2) }
        for e in sinceEvents { r["since#\(e.name)"] = e.offset..<(e.offset + 1) }
        return r
    }

    var signature: String { keyedRanges.sorted { $0.value.lowerBound < $1.value.lowerBound }.map(\.key).joined(separator: "\n") }
}

extension Expr {
    /// The expression as text without positions or redundant spacing: window keys and the names
    /// of recorded input values.
    var canonical: String {
        switch self {
        case .number(let v, _): formatNumber(v)
        case .string(let s, _): "\"\(s)\""
        case .bool(let b, _): b ? "true" : "false"
        case .duration(let ms, _): Interval(milliseconds: ms).description
        case .name(let n, _): n
        case .unary(let op, let e, _): op == .not ? "not \(e.canonical)" : "-\(e.canonical)"
        case .binary(let op, let l, let r, _): "\(l.grouped) \(op.rawValue) \(r.grouped)"
        case .call(let name, let args, _): "\(name)(\(args.map(\.canonical).joined(separator: ", ")))"
        }
    }

    private var grouped: String {
        if case .binary = self { return "(\(canonical))" }
        return canonical
    }

    /// The names, attributes and window calls an expression reads: what an alarm records as the
    /// input values that triggered it.
    var inputs: [Expr] {
        switch self {
        case .name: [self]
        case .call(let name, let args, _):
            name == "abs" ? args.flatMap(\.inputs) : name == "silent" || name == "absent" ? [] : [self]
        case .unary(_, let e, _): e.inputs
        case .binary(_, let l, let r, _): l.inputs + r.inputs
        default: []
        }
    }
}
