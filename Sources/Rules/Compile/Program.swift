import Domain

/// A compiled expression as a flat program: instructions over a small stack of doubles, run by
/// one loop (`Program.run`).
///
/// Why not closures: a tree of closures costs a call, a context load and, for each captured
/// closure, a retain and a release per node and message; retain/release were a third of the
/// rules stage (issue 35). Instructions carry only numbers, so running a program touches no
/// reference count; names were resolved at compile time to positions and slots.
///
/// Values on the stack are numbers, or truth values encoded as numbers: `no` 0, `yes` 1,
/// `unknown` NaN. NaN is also the number for "not reported yet", which IEEE arithmetic
/// propagates and the comparisons below turn into `unknown` (Kleene logic, as before).
enum Instruction: Sendable, Equatable {
    // Push a value.
    case constant(Double)
    /// A field's last value (a number, a bool as 0/1, an enum as its value's index; NaN: never).
    case field(Int)
    /// A bool field as a truth value.
    case fieldTruth(Int)
    case attribute(Int)
    case attributeTruth(Int)
    /// The message's event code as its index among the type's sorted codes; NaN: no event.
    case event
    case mustNotUse
    case window(WindowRead)
    /// `changed(field)`: yes on a message that changed it (slot `offset + 1`).
    case changed(offset: Int)
    /// `silent(d)`.
    case silent(ms: Int64)
    /// `absent(code, d)`: slot holds the time of the code's last occurrence.
    case absent(slot: Int, ms: Int64)
    /// A string field or attribute against a literal or another string: pushes the truth.
    case stringEquals(StringSource, StringOperand, negate: Bool)
    /// Two plain values compared (`speed_mps > 2`, `load_kg > attr.rated_load_kg`): the commonest
    /// leaf of a condition as one instruction; pushes the truth (unknown when either is NaN).
    case compareValues(ValueSource, Comparison, ValueSource)
    /// A plain enumerated value against the value at `index` (`event == "trapped"`); pushes the
    /// truth as `enumEquals` would.
    case enumIs(ValueSource, index: Double, event: Bool, negate: Bool)

    // Replace the top value.
    case negate
    case absolute
    case not

    // Replace the top two values with one.
    case add, subtract, multiply, divide
    /// Numbers compared; unknown when either is NaN.
    case compare(Comparison)
    /// Two truth values equal (or not, `negate`); unknown when either is.
    case truthEquals(negate: Bool)
    /// Two enumerated values of the same kind equal; unknown when either is unknown.
    case enumPairEquals(negate: Bool)

    /// The top value (an enumerated value) equals the value at `index`: replaced by the truth.
    /// No event on a message is a definite "not this code" (`event: true`), not an unknown.
    case enumEquals(index: Double, event: Bool, negate: Bool)

    // Kleene `and` / `or`, short-circuited: when the left operand already decides (no / yes),
    // it stays on the stack as the result and the right operand and the combining instruction
    // (the next `skip` instructions) are skipped.
    case skipIfNo(Int)
    case skipIfYes(Int)
    case and
    case or

    /// Pops the top value into the results, at this position: how one program evaluates every
    /// condition of a type in a row (`Program(conditions:strings:)`).
    case store(Int)

    /// How many values the instruction leaves on the stack minus how many it takes.
    var stackEffect: Int {
        switch self {
        case .constant, .field, .fieldTruth, .attribute, .attributeTruth, .event, .mustNotUse, .window, .changed,
             .silent, .absent, .stringEquals, .compareValues, .enumIs: 1
        case .negate, .absolute, .not, .enumEquals, .skipIfNo, .skipIfYes: 0
        case .add, .subtract, .multiply, .divide, .compare, .truthEquals, .enumPairEquals, .and, .or, .store: -1
        }
    }
}

/// Numeric comparisons.
enum Comparison: Sendable, Equatable {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    @inline(__always)
    func holds(_ x: Double, _ y: Double) -> Bool {
        switch self {
        case .equal: x == y
        case .notEqual: x != y
        case .less: x < y
        case .lessOrEqual: x <= y
        case .greater: x > y
        case .greaterOrEqual: x >= y
        }
    }
}

/// A value read in one step: what the commonest leaves of a condition compare.
enum ValueSource: Sendable, Equatable {
    case constant(Double)
    case field(Int)
    case attribute(Int)
    case event

    /// The source a one-instruction program reads, if it is that simple.
    init?(_ code: [Instruction]) {
        guard code.count == 1 else { return nil }
        switch code[0] {
        case .constant(let v): self = .constant(v)
        case .field(let i): self = .field(i)
        case .attribute(let i): self = .attribute(i)
        case .event: self = .event
        default: return nil
        }
    }

    @inline(__always)
    func value(_ s: DeviceRuleState) -> Double {
        switch self {
        case .constant(let v): v
        case .field(let i): s.values[i]
        case .attribute(let i): s.attrs[i]
        case .event: s.event
        }
    }
}

/// Where a free-form string comes from.
enum StringSource: Sendable, Equatable {
    case field(Int)
    case attribute(Int)

    func value(_ s: DeviceRuleState) -> String? {
        switch self {
        case .field(let i): i < s.strings.count ? s.strings[i] : nil
        case .attribute(let i): i < s.attrStrings.count ? s.attrStrings[i] : nil
        }
    }
}

/// The right side of a string comparison: another string, or a literal of the program's table.
enum StringOperand: Sendable, Equatable {
    case source(StringSource)
    case literal(Int)
}

/// What reading a window needs (the spec's kind, slots and bucket width), by value.
struct WindowRead: Sendable, Equatable {
    let kind: WindowSpec.Kind
    let offset: Int
    let bucketMs: Int64
}

/// Truth values as numbers on the stack.
enum Truth {
    static let no = 0.0, yes = 1.0, unknown = Double.nan

    @inline(__always) static func of(_ b: Bool) -> Double { b ? yes : no }

    static func tri(_ v: Double) -> Tri { v == yes ? .yes : v == no ? .no : .unknown }

    /// Two numbers compared: unknown when either is NaN.
    @inline(__always)
    static func compared(_ x: Double, _ c: Comparison, _ y: Double) -> Double {
        x.isNaN || y.isNaN ? unknown : of(c.holds(x, y))
    }

    /// An enumerated value against the value at `index`. No event on a message is a definite
    /// "not this code" (`event`), not an unknown.
    @inline(__always)
    static func enumIs(_ v: Double, _ index: Double, event: Bool, negate: Bool) -> Double {
        v.isNaN ? (event ? of(negate) : unknown) : of((v == index) != negate)
    }
}

/// A runnable expression: its instructions, the string literals they name, and the stack
/// depth they need (computed once).
///
/// A class holding its instructions in memory of its own: running a program is then one
/// pointer and no reference count per evaluation (as a struct of arrays, each evaluation
/// copied the program and retained and released both arrays). Immutable after `init`, which
/// is what makes sharing it across threads safe.
final class Program: @unchecked Sendable {
    private let code: UnsafeMutableBufferPointer<Instruction>
    let strings: [String]
    let depth: Int

    /// One expression's program: it leaves its value on the stack (`run`).
    convenience init(_ instructions: [Instruction], strings: [String]) {
        self.init(instructions, strings: strings, leaves: 1)
    }

    /// Many conditions in one program, each stored at its position in the results (`run(_:into:)`):
    /// one call a message for all of a type's rules, where a call per rule cost more than the
    /// few instructions most conditions are.
    convenience init(conditions: [(position: Int, code: [Instruction])], strings: [String]) {
        self.init(conditions.flatMap { $0.code + [.store($0.position)] }, strings: strings, leaves: 0)
    }

    private init(_ instructions: [Instruction], strings: [String], leaves: Int) {
        self.strings = strings
        var d = 0, deepest = 0
        // Skips only go forward over code whose net effect is nil, so the straight-line depth
        // bounds every path.
        for i in instructions {
            d += i.stackEffect
            deepest = max(deepest, d)
        }
        precondition(d == leaves, "a program leaves \(leaves) value(s), this one \(d)")
        depth = max(1, deepest)
        code = .allocate(capacity: instructions.count)
        _ = code.initialize(from: instructions)
    }

    deinit {
        code.deinitialize()
        code.deallocate()
    }

    /// The instructions, for tests and `rules check`.
    var instructions: [Instruction] { Array(code) }

    /// A condition's truth for the device now.
    func truth(_ s: DeviceRuleState) -> Tri { Truth.tri(run(s)) }

    /// The program's value for the device now (a number, or a truth value as a number).
    func run(_ s: DeviceRuleState) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: depth) { stack in execute(UnsafeBufferPointer(code), s, stack, nil) }
    }

    /// Runs a program of many conditions, each truth stored at its position in `results`.
    func run(_ s: DeviceRuleState, into results: UnsafeMutablePointer<Double>) {
        _ = withUnsafeTemporaryAllocation(of: Double.self, capacity: depth) { stack in execute(UnsafeBufferPointer(code), s, stack, results) }
    }

    private func execute(_ code: UnsafeBufferPointer<Instruction>, _ s: DeviceRuleState, _ stack: UnsafeMutableBufferPointer<Double>,
                         _ results: UnsafeMutablePointer<Double>?) -> Double {
        var top = -1  // index of the top value
        var pc = 0
        @inline(__always) func push(_ v: Double) { top &+= 1; stack[top] = v }
        @inline(__always) func binary(_ f: (Double, Double) -> Double) {
            let y = stack[top]
            top &-= 1
            stack[top] = f(stack[top], y)
        }
        while pc < code.count {
            switch code[pc] {
            case .constant(let v): push(v)
            case .field(let i): push(s.values[i])
            case .fieldTruth(let i): let v = s.values[i]; push(v.isNaN ? Truth.unknown : Truth.of(v != 0))
            case .attribute(let i): push(s.attrs[i])
            case .attributeTruth(let i): let v = s.attrs[i]; push(v.isNaN ? Truth.unknown : Truth.of(v != 0))
            case .event: push(s.event)
            case .mustNotUse: push(s.mustNotUse.isNaN ? Truth.unknown : Truth.of(s.mustNotUse != 0))
            case .window(let w): push(w.value(at: s.now, in: s.slots))
            case .changed(let o): push(Truth.of(s.onMessage && s.slots[o + 1] == 1))
            case .silent(let d):
                if let last = s.lastTs {
                    // Silence while the pipeline itself was not receiving is not the device's.
                    let from = max(last, s.hearingFromDeviceTime)
                    push(Truth.of(!s.onMessage && from != .max && s.now - from >= d))
                } else {
                    push(Truth.unknown)
                }
            case .absent(let slot, let d):
                let last = s.slots[slot]
                if last.isNaN {
                    push(Truth.unknown)
                } else {
                    let from = max(last, Double(s.hearingFromDeviceTime))
                    push(Truth.of(from != Double(Int64.max) && Double(s.now) - from >= Double(d)))
                }
            case .stringEquals(let a, let b, let negate):
                let y: String? = switch b {
                case .source(let source): source.value(s)
                case .literal(let i): strings[i]
                }
                if let x = a.value(s), let y { push(Truth.of((x == y) != negate)) } else { push(Truth.unknown) }
            case .compareValues(let a, let c, let b): push(Truth.compared(a.value(s), c, b.value(s)))
            case .enumIs(let a, let index, let event, let negate): push(Truth.enumIs(a.value(s), index, event: event, negate: negate))
            case .negate: stack[top] = -stack[top]
            case .absolute: stack[top] = abs(stack[top])
            case .not: let v = stack[top]; stack[top] = v.isNaN ? v : 1 - v
            case .add: binary(+)
            case .subtract: binary(-)
            case .multiply: binary(*)
            case .divide: binary { x, d in d == 0 ? .nan : x / d }
            case .compare(let c): binary { x, y in Truth.compared(x, c, y) }
            case .truthEquals(let negate), .enumPairEquals(let negate):
                binary { x, y in x.isNaN || y.isNaN ? Truth.unknown : Truth.of((x == y) != negate) }
            case .enumEquals(let index, let event, let negate): stack[top] = Truth.enumIs(stack[top], index, event: event, negate: negate)
            case .skipIfNo(let n): if stack[top] == Truth.no { pc &+= n }
            case .skipIfYes(let n): if stack[top] == Truth.yes { pc &+= n }
            case .and:
                // The left operand is yes or unknown here (no skipped this).
                binary { x, y in y == Truth.no ? Truth.no : x == Truth.yes && y == Truth.yes ? Truth.yes : Truth.unknown }
            case .or:
                // The left operand is no or unknown here.
                binary { x, y in y == Truth.yes ? Truth.yes : x == Truth.no && y == Truth.no ? Truth.no : Truth.unknown }
            case .store(let i):
                results.unsafelyUnwrapped[i] = stack[top]
                top &-= 1
            }
            pc &+= 1
        }
        return top == 0 ? stack[0] : .nan
    }
}
