import Domain
import DeviceCatalog
import Ingest
import SourceFiles
@testable import Rules
import Testing

/// The flat programs the compiler emits, run against a device's state: Kleene logic over every
/// combination of yes, no and unknown, short-circuits that change nothing but the work, and the
/// operators' unknowns (issue 35 replaced the closure trees; these pin the semantics down).
@Suite("Rule programs")
struct RuleProgramTests {
    static let type = RuleEngineTests.types["elevator"]!

    /// A device whose `moving` and `door_closed` are true, false or never reported (nil).
    func state(_ values: [String: Scalar]) throws -> (DeviceRuleState, Compiler) {
        let rules = try RuleLoader.load(directory: RuleEngineTests.root + "/Rules", types: RuleEngineTests.types)
        let program = try #require(rules.programs["elevator"])
        let record = DeviceRecord(id: "d1", type: "elevator", gateway: "g", site: "s", owner: "o", firm: "f",
                                  commissioned: Day(year: 2020, month: 1, day: 1)!, lastInspections: [:], inspectionGrade: nil,
                                  attributes: [:], origin: Origin(file: "t", line: nil))
        let directory = DeviceDirectory(types: RuleEngineTests.types, devices: [(1, record)], gateways: ["g"])
        let s = DeviceRuleState(device: directory.entries[0], program: program)
        var v = [Scalar?](repeating: nil, count: Self.type.fields.count)
        for (k, x) in values { v[Self.type.fieldPosition(k)!] = x }
        s.apply(FieldValues(v))
        return (s, Compiler(type: Self.type, layout: program.layout))
    }

    func truth(_ text: String, _ values: [String: Scalar]) throws -> Tri {
        let (s, c) = try state(values)
        var compiler = c
        return try compiler.condition(try Parser.parse(text)).truth(s)
    }

    func number(_ text: String, _ values: [String: Scalar]) throws -> Double {
        let (s, c) = try state(values)
        var compiler = c
        guard case .number(let code) = try compiler.compile(try Parser.parse(text)) else { throw ExpressionError(offset: 0, reason: "not a number") }
        return Program(code, strings: compiler.layout.strings).run(s)
    }

    static let truths: [Bool?] = [true, false, nil]

    static func kleeneAnd(_ a: Bool?, _ b: Bool?) -> Tri {
        if a == false || b == false { return .no }
        return a == true && b == true ? .yes : .unknown
    }

    static func kleeneOr(_ a: Bool?, _ b: Bool?) -> Tri {
        if a == true || b == true { return .yes }
        return a == false && b == false ? .no : .unknown
    }

    static func tri(_ b: Bool?) -> Tri { b.map { $0 ? .yes : .no } ?? .unknown }

    @Test("and, or, not and equality follow Kleene logic over yes, no and unknown")
    func kleene() throws {
        for a in Self.truths {
            for b in Self.truths {
                var values: [String: Scalar] = [:]
                if let a { values["moving"] = .bool(a) }
                if let b { values["door_closed"] = .bool(b) }
                let label = "moving \(String(describing: a)), door_closed \(String(describing: b))"
                #expect(try truth("moving and door_closed", values) == Self.kleeneAnd(a, b), "\(label)")
                #expect(try truth("moving or door_closed", values) == Self.kleeneOr(a, b), "\(label)")
                #expect(try truth("not (moving and door_closed)", values) == Self.kleeneAnd(a, b).negated, "\(label)")
                let equal: Tri = a == nil || b == nil ? .unknown : (a == b ? .yes : .no)
                #expect(try truth("moving == door_closed", values) == equal, "\(label)")
                #expect(try truth("moving != door_closed", values) == equal.negated, "\(label)")
                #expect(try truth("not moving", values) == Self.tri(a).negated, "\(label)")
            }
        }
    }

    @Test("numbers: unreported is unknown, division by zero is unknown, arithmetic and abs in order")
    func numbers() throws {
        #expect(try truth("speed_mps > 1", [:]) == .unknown)
        #expect(try truth("speed_mps > 1", ["speed_mps": .number(1.5)]) == .yes)
        #expect(try truth("speed_mps <= 1", ["speed_mps": .number(1.5)]) == .no)
        #expect(try truth("speed_mps / load_pct > 0", ["speed_mps": .number(1), "load_pct": .number(0)]) == .unknown)
        #expect(try number("speed_mps - load_pct * 2", ["speed_mps": .number(10), "load_pct": .number(3)]) == 4)
        #expect(try number("abs(speed_mps - load_pct) / 2", ["speed_mps": .number(1), "load_pct": .number(5)]) == 2)
        #expect(try number("-speed_mps", ["speed_mps": .number(3)]) == -3)
        #expect(try truth("-speed_mps < -2 and floor == 3", ["speed_mps": .number(3), "floor": .number(3)]) == .yes)
    }

    @Test("enumerations and event codes: a message without an event is a definite no, a field not yet seen unknown")
    func enumerations() throws {
        #expect(try truth("service_mode == \"inspection\"", [:]) == .unknown)
        #expect(try truth("service_mode == \"inspection\"", ["service_mode": .string("inspection")]) == .yes)
        #expect(try truth("service_mode != \"inspection\"", ["service_mode": .string("normal")]) == .yes)
        #expect(try truth("event == \"trapped\"", ["moving": .bool(false)]) == .no)
        #expect(try truth("event != \"trapped\"", ["moving": .bool(false)]) == .yes)
        #expect(try truth("direction == direction", [:]) == .unknown)
        #expect(try truth("direction == direction", ["direction": .string("up")]) == .yes)
    }

    @Test("the right side of a decided and/or is skipped, the rest of the program still runs")
    func shortCircuits() throws {
        var compiler = try state([:]).1
        let p = try compiler.condition(try Parser.parse("(moving and speed_mps > 1) or door_closed"))
        let skips = p.instructions.compactMap { i -> Int? in if case .skipIfNo(let n) = i { n } else if case .skipIfYes(let n) = i { n } else { nil } }
        #expect(skips == [2, 2], "\(p.instructions)")
        #expect(p.depth == 2)
        #expect(try truth("(moving and speed_mps > 1) or door_closed", ["moving": .bool(false), "door_closed": .bool(true)]) == .yes)
        #expect(try truth("(moving and speed_mps > 1) or door_closed", ["moving": .bool(false), "door_closed": .bool(false)]) == .no)
        #expect(try truth("(moving and speed_mps > 1) or door_closed", ["moving": .bool(true)]) == .unknown)
    }
}
