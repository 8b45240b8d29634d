import Domain
import DeviceCatalog

/// Type-checks a parsed expression against one device type and compiles it to a flat program
/// (`Program`).
///
/// Names resolve here, once: a field becomes an index into the device's value array, an enum
/// literal becomes the index of that value, an event code becomes its index, `attr.NAME` becomes
/// an index into the device's attribute array. A misspelt name, an enum value the type does not
/// declare, or a comparison of a number with a string is an error at load time, never a rule that
/// silently never fires.
struct Compiler {
    let type: DeviceType
    /// Shared across all rules of one type, so identical windows share their slots.
    let layout: SlotLayout
    /// Inside `count(...)` a condition is evaluated per message; windows cannot nest there.
    private var insideCount = false

    init(type: DeviceType, layout: SlotLayout) { (self.type, self.layout) = (type, layout) }

    /// How `event` describes itself in errors; also what marks an enumeration as the event code.

    static let functions = ["rate", "delta", "avg", "min", "max", "count", "changed", "silent", "absent", "abs"]

    mutating func condition(_ e: Expr) throws(ExpressionError) -> Program {
        let c = try compile(e)
        guard case .bool(let code) = c else {
            throw ExpressionError(offset: e.offset, reason: "a condition must be true or false, but this is \(c.typeName)")
        }
        return Program(code, strings: layout.strings)
    }

    mutating func compile(_ e: Expr) throws(ExpressionError) -> Compiled {
        switch e {
        case .number(let v, _): return .number([.constant(v)])
        case .bool(let b, _): return .bool([.constant(Truth.of(b))])
        case .string(let s, _): return .literal(s)
        case .duration(let ms, _): return .duration(ms)
        case .name(let name, let at): return try resolve(name, at: at)
        case .unary(let op, let inner, let at):
            let c = try compile(inner)
            if op == .not {
                guard case .bool(let f) = c else { throw ExpressionError(offset: at, reason: "'not' needs a condition, not \(c.typeName)") }
                return .bool(f + [.not])
            }
            guard case .number(let f) = c else { throw ExpressionError(offset: at, reason: "'-' needs a number, not \(c.typeName)") }
            return .number(f + [.negate])
        case .binary(let op, let l, let r, let at):
            return try binary(op, l, r, at: at)
        case .call(let name, let args, let at):
            return try call(name, args, at: at)
        }
    }

    // MARK: Names

    private func resolve(_ name: String, at: Int) throws(ExpressionError) -> Compiled {
        if name == "must_not_use" {
            // The device's must-not-use status (overdue or failed inspection, a grade that forbids
            // use, an open major hazard): unknown until the engine's status source says.
            layout.readsStatus = true
            return .bool([.mustNotUse])
        }
        if name == "event" {
            let codes = type.events.keys.sorted()
            return .enumeration([.event], values: codes, source: .event)
        }
        if name.hasPrefix("attr.") {
            let a = String(name.dropFirst(5))
            guard let spec = type.attributes[a] else {
                throw ExpressionError(offset: at, reason: "attribute '\(a)' is not declared for \(type.id)" + Self.suggest(a, type.attributes.keys))
            }
            let i = layout.attributeIndex(spec)
            switch spec.kind {
            case .number, .int: return .number([.attribute(i)])
            case .bool: return .bool([.attributeTruth(i)])
            case .enumeration: return .enumeration([.attribute(i)], values: spec.values, source: .attribute(a))
            case .string: return .string(.attribute(i))
            }
        }
        guard let i = type.fieldPosition(name) else {
            var known = type.fields.map(\.name)
            known.append("event")
            known.append("must_not_use")
            let hint = type.attributes[name] != nil ? "; '\(name)' is a registry attribute: write attr.\(name)" : Self.suggest(name, known)
            throw ExpressionError(offset: at, reason: "field '\(name)' is not declared for \(type.id)" + hint)
        }
        let field = type.fields[i]
        switch field.kind {
        case .number, .int: return .number([.field(i)])
        case .bool: return .bool([.fieldTruth(i)])
        case .enumeration: return .enumeration([.field(i)], values: field.values, source: .field(name))
        case .string: return .string(.field(i))
        }
    }

    // MARK: Operators

    private mutating func binary(_ op: BinaryOp, _ l: Expr, _ r: Expr, at: Int) throws(ExpressionError) -> Compiled {
        let a = try compile(l), b = try compile(r)
        switch op {
        case .and, .or:
            guard case .bool(let f) = a else { throw ExpressionError(offset: l.offset, reason: "'\(op.rawValue)' needs conditions on both sides; this is \(a.typeName)") }
            guard case .bool(let g) = b else { throw ExpressionError(offset: r.offset, reason: "'\(op.rawValue)' needs conditions on both sides; this is \(b.typeName)") }
            // The left side decides alone when it is no (and) or yes (or): the right side and
            // the combining instruction are skipped.
            return op == .and ? .bool(f + [.skipIfNo(g.count + 1)] + g + [.and]) : .bool(f + [.skipIfYes(g.count + 1)] + g + [.or])
        case .add, .subtract, .multiply, .divide:
            guard case .number(let f) = a, case .number(let g) = b else {
                throw ExpressionError(offset: at, reason: "'\(op.rawValue)' needs numbers on both sides, not \(a.typeName) and \(b.typeName)")
            }
            let instruction: Instruction = switch op {
            case .add: .add
            case .subtract: .subtract
            case .multiply: .multiply
            default: .divide
            }
            return .number(f + g + [instruction])
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            return try compare(op, a, b, left: l, right: r, at: at)
        }
    }

    private func compare(_ op: BinaryOp, _ a: Compiled, _ b: Compiled, left: Expr, right: Expr, at: Int) throws(ExpressionError) -> Compiled {
        let equality = op == .equal || op == .notEqual
        let negate = op == .notEqual
        switch (a, b) {
        case (.number(let f), .number(let g)):
            let comparison: Comparison
            switch op {
            case .equal: comparison = .equal
            case .notEqual: comparison = .notEqual
            case .less: comparison = .less
            case .lessOrEqual: comparison = .lessOrEqual
            case .greater: comparison = .greater
            case .greaterOrEqual: comparison = .greaterOrEqual
            case .and, .or, .add, .subtract, .multiply, .divide:
                preconditionFailure("'\(op.rawValue)' is not a comparison")  // binary() routes only comparisons here
            }
            if let x = ValueSource(f), let y = ValueSource(g) { return .bool([.compareValues(x, comparison, y)]) }
            return .bool(f + g + [.compare(comparison)])
        default:
            break
        }
        guard equality else {
            throw ExpressionError(offset: at, reason: "\(a.typeName) and \(b.typeName) cannot be ordered with '\(op.rawValue)'")
        }
        switch (a, b) {
        case (.bool(let f), .bool(let g)):
            return .bool(f + g + [.truthEquals(negate: negate)])
        case (.enumeration(let f, let values, let source), .literal(let lit)), (.literal(let lit), .enumeration(let f, let values, let source)):
            guard let index = values.firstIndex(of: lit) else {
                let litOffset = if case .literal = a { left.offset } else { right.offset }
                throw ExpressionError(offset: litOffset, reason: "\"\(lit)\" is not a value of \(source.what); it is one of: \(values.joined(separator: ", "))" + Self.suggest(lit, values))
            }
            if let x = ValueSource(f) { return .bool([.enumIs(x, index: Double(index), event: source == .event, negate: negate)]) }
            return .bool(f + [.enumEquals(index: Double(index), event: source == .event, negate: negate)])
        case (.enumeration(let f, let va, _), .enumeration(let g, let vb, _)) where va == vb:
            return .bool(f + g + [.enumPairEquals(negate: negate)])
        case (.string(let f), .literal(let lit)), (.literal(let lit), .string(let f)):
            return .bool([.stringEquals(f, .literal(layout.literal(lit)), negate: negate)])
        case (.string(let f), .string(let g)):
            return .bool([.stringEquals(f, .source(g), negate: negate)])
        default:
            throw ExpressionError(offset: at, reason: "\(a.typeName) and \(b.typeName) cannot be compared")
        }
    }

    // MARK: Functions

    private mutating func call(_ name: String, _ args: [Expr], at: Int) throws(ExpressionError) -> Compiled {
        func arity(_ n: Int, _ usage: String) throws(ExpressionError) {
            guard args.count == n else { throw ExpressionError(offset: at, reason: "\(name)() takes \(n) argument\(n == 1 ? "" : "s"): \(usage)") }
        }
        func duration(_ e: Expr) throws(ExpressionError) -> Int64 {
            guard case .duration(let ms, _) = e, ms > 0 else {
                throw ExpressionError(offset: e.offset, reason: "\(name)() needs a positive duration here, such as 60s, 10m or 24h")
            }
            return ms
        }
        func field(_ e: Expr, numeric: Bool) throws(ExpressionError) -> Int {
            guard case .name(let f, let o) = e, f != "event", !f.hasPrefix("attr.") else {
                throw ExpressionError(offset: e.offset, reason: "\(name)() takes a telemetry field name as its first argument")
            }
            guard let i = type.fieldPosition(f) else {
                throw ExpressionError(offset: o, reason: "field '\(f)' is not declared for \(type.id)" + Self.suggest(f, type.fields.map(\.name)))
            }
            if numeric, type.fields[i].kind != .number, type.fields[i].kind != .int {
                throw ExpressionError(offset: o, reason: "\(name)() needs a numeric field; '\(f)' is \(type.fields[i].kind.rawValue)")
            }
            return i
        }
        if insideCount, ["rate", "delta", "avg", "min", "max", "count", "changed", "silent", "absent"].contains(name) {
            throw ExpressionError(offset: at, reason: "\(name)() cannot be used inside count(): count() counts messages on which its condition holds")
        }
        switch name {
        case "rate", "delta", "avg", "min", "max":
            try arity(2, "\(name)(field, window), e.g. \(name)(pressure_mpa, 60s)")
            let f = try field(args[0], numeric: true)
            let w = try duration(args[1])
            let spec = layout.window(kind: WindowSpec.Kind(rawValue: name)!, field: f, condition: nil, widthMs: w,
                                     key: "\(name)(\(type.fields[f].name), \(Interval(milliseconds: w)))")
            return .number([.window(spec.read)])
        case "count":
            try arity(2, "count(condition, window), e.g. count(event == \"door_close_fault\", 24h)")
            insideCount = true
            defer { insideCount = false }
            let cond = try condition(args[0])
            let w = try duration(args[1])
            let spec = layout.window(kind: .count, field: -1, condition: cond, widthMs: w,
                                     key: "count(\(args[0].canonical), \(Interval(milliseconds: w)))")
            return .number([.window(spec.read)])
        case "changed":
            try arity(1, "changed(field)")
            let f = try field(args[0], numeric: false)
            let o = layout.changed(field: f)
            return .bool([.changed(offset: o)])
        case "silent":
            try arity(1, "silent(duration), e.g. silent(120s)")
            let d = try duration(args[0])
            layout.timeDependent = true
            return .bool([.silent(ms: d)])
        case "absent":
            // No event `code` from the device for `d`: `absent("remote_alarm_self_test", 72h)`.
            // Before the first such event it counts from the device's first message the rules
            // saw, so a device new to monitoring gets the whole period; evaluated on the clock.
            try arity(2, "absent(\"event_code\", duration), e.g. absent(\"remote_alarm_self_test\", 72h)")
            guard case .string(let code, let o) = args[0] else {
                throw ExpressionError(offset: args[0].offset, reason: "absent() takes an event code in quotes first, e.g. absent(\"remote_alarm_self_test\", 72h)")
            }
            let codes = type.events.keys.sorted()
            guard let index = codes.firstIndex(of: code) else {
                throw ExpressionError(offset: o, reason: "event code '\(code)' is not declared for \(type.id)" + Self.suggest(code, codes))
            }
            let d = try duration(args[1])
            let slot = layout.since(code: index, name: code)
            return .bool([.absent(slot: slot, ms: d)])
        case "abs":
            try arity(1, "abs(number)")
            guard case .number(let f) = try compile(args[0]) else {
                throw ExpressionError(offset: args[0].offset, reason: "abs() needs a number")
            }
            return .number(f + [.absolute])
        default:
            throw ExpressionError(offset: at, reason: "unknown function \(name)(); the functions are \(Self.functions.joined(separator: ", "))" + Self.suggest(name, Self.functions))
        }
    }

    /// "; did you mean 'x'?" for a name within two edits of a known one.
    static func suggest(_ name: String, _ known: some Sequence<String>) -> String {
        let best = known.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        guard let (candidate, d) = best, d <= 2, d < name.count else { return "" }
        return "; did you mean '\(candidate)'?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
