import Domain
import Source
import DeviceCatalog

/// A compiled, immutable set of rule packs: one program per device type.
///
/// Built once per load (startup, SIGHUP, `rules check`, `replay`); after that it is only read,
/// which is why sharing it across threads is safe although its classes are not `Sendable`.
public final class RuleSet: @unchecked Sendable {
    public let programs: [String: TypeProgram]
    public let packs: [PackInfo]

    init(programs: [String: TypeProgram], packs: [PackInfo]) { (self.programs, self.packs) = (programs, packs) }

    /// Every rule id, for listings.
    public var ruleIds: [String] { programs.values.flatMap { $0.rules.map(\.id) }.uniqued().sorted() }

    /// The longest window any rule reads, so a replay can warm its windows up before its start.
    public var longestWindowMs: Int64 { programs.values.flatMap { $0.layout.windows.map(\.widthMs) }.max() ?? 0 }

    static func compile(specs: [RuleSpec], types: [String: DeviceType], packHashes: [String: String],
                        packs: [PackInfo], errors: inout [SourceError]) -> RuleSet {
        var programs: [String: TypeProgram] = [:]
        for (typeId, type) in types.sorted(by: { $0.key < $1.key }) {
            let layout = SlotLayout()
            var compiler = Compiler(type: type, layout: layout)
            var rules: [CompiledRule] = []
            var families: [String] = []
            for spec in specs where spec.type == typeId || spec.type == "*" {
                let suffix = spec.type == "*" ? " (the rule applies to every type; here: \(typeId))" : ""
                layout.timeDependent = false
                do {
                    let whenExpr = try Parser.parse(spec.when.text)
                    let when = try compiler.condition(whenExpr)
                    var clear: Program?
                    if let c = spec.clearWhen {
                        do { clear = try compiler.condition(try Parser.parse(c.text)) } catch {
                            errors.append(c.error(error, in: "rule '\(spec.id)' clear_when" + suffix))
                            continue
                        }
                    }
                    let timeDependent = layout.timeDependent
                    var inputs: [(String, Compiled)] = []
                    for e in whenExpr.inputs where !inputs.contains(where: { $0.0 == e.canonical }) {
                        inputs.append((e.canonical, try compiler.compile(e)))
                    }
                    let template: MessageTemplate
                    do { template = try MessageTemplate(spec.message.text, compiler: &compiler) } catch {
                        errors.append(spec.message.error(error, in: "rule '\(spec.id)' message" + suffix))
                        continue
                    }
                    var templateZh: MessageTemplate?
                    if let zh = spec.messageZh {
                        do { templateZh = try MessageTemplate(zh.text, compiler: &compiler) } catch {
                            errors.append(zh.error(error, in: "rule '\(spec.id)' message_zh" + suffix))
                            continue
                        }
                    }
                    if !families.contains(spec.family) { families.append(spec.family) }
                    let usesEvent = whenExpr.inputs.contains { $0.canonical == "event" }
                    rules.append(CompiledRule(spec: spec, when: when, clear: clear, inputs: inputs, message: template,
                                              messageZh: templateZh, family: families.firstIndex(of: spec.family)!, timeDependent: timeDependent,
                                              usesEvent: usesEvent, eventCodes: usesEvent ? whenExpr.eventCodes : [],
                                              packHash: packHashes[spec.file] ?? ""))
                } catch {
                    errors.append(spec.when.error(error, in: "rule '\(spec.id)' when" + suffix))
                }
            }
            programs[typeId] = TypeProgram(type: type, rules: rules, layout: layout, families: families)
        }
        return RuleSet(programs: programs, packs: packs)
    }
}

/// The rules of one device type, with the layout of their per-device state.
public final class TypeProgram: @unchecked Sendable {
    public let type: DeviceType
    public let rules: [CompiledRule]
    let layout: SlotLayout
    let families: [String]
    /// Rules whose value can change with time alone (windows, `silent`), re-evaluated on the clock.
    let timeDependent: [Int]
    /// Every rule's `when` in one program, each truth stored at the rule's position: what a
    /// message runs.
    let whens: Program
    /// The time-dependent rules' `when`s alone, likewise: what the clock runs.
    let timedWhens: Program
    /// What the lifecycle reads of each rule on every evaluation, by position.
    let timings: [RuleTiming]
    /// Every rule idle: the phases a device starts with, shared by all of them until one of its
    /// rules leaves idle (the array is copied on that first write). Most devices never do, and a
    /// copy each was 23 MB at 100 k devices.
    let idlePhases: [RulePhase]
    let membersOfFamily: [[Int]]
    /// Identifies the slot layout; stored with each device's state so a later layout can map it.
    let signatureHash: UInt64
    /// Event code → its index among the type's sorted codes (the value of `event`).
    let eventIndex: [String: Int]
    /// Some rule reads `must_not_use`.
    let readsStatus: Bool
    /// By event index: the code is a safety event, one that a rule marked `rescue` or `hazard`, or
    /// of severity major or critical, fires on. The rules hear such an event however late it
    /// arrives (SPEC: safety events are never dropped for bookkeeping reasons).
    let safetyEvents: [Bool]

    init(type: DeviceType, rules: [CompiledRule], layout: SlotLayout, families: [String]) {
        (self.type, self.rules, self.layout, self.families) = (type, rules, layout, families)
        timeDependent = rules.indices.filter { rules[$0].timeDependent }
        idlePhases = Array(repeating: RulePhase(), count: rules.count)
        timings = rules.map {
            RuleTiming(forMs: $0.spec.forMs, clearForMs: $0.spec.clearForMs, family: $0.family, timeDependent: $0.timeDependent,
                       usesEvent: $0.usesEvent, hasClear: $0.clear != nil)
        }
        whens = Program(conditions: rules.indices.map { ($0, rules[$0].when.instructions) }, strings: layout.strings)
        timedWhens = Program(conditions: timeDependent.map { ($0, rules[$0].when.instructions) }, strings: layout.strings)
        var members = Array(repeating: [Int](), count: families.count)
        for (i, r) in rules.enumerated() { members[r.family].append(i) }
        membersOfFamily = members
        signatureHash = fnv1a(layout.signature.utf8)
        var codes: [String: Int] = [:]
        for (i, c) in type.events.keys.sorted().enumerated() { codes[c] = i }
        eventIndex = codes
        readsStatus = layout.readsStatus
        var safety = Array(repeating: false, count: codes.count)
        for r in rules where r.usesEvent && (r.spec.severity >= .major || r.spec.rescue || r.spec.hazard) {
            guard let named = r.eventCodes else { safety = Array(repeating: true, count: codes.count); break }
            for c in named { if let i = codes[c] { safety[i] = true } }
        }
        safetyEvents = safety
    }

    /// Whether event `code` is a safety event of this type (see `safetyEvents`).
    func isSafetyEvent(_ code: String?) -> Bool { code.flatMap { eventIndex[$0] }.map { safetyEvents[$0] } ?? false }

    /// The safety event codes, for `rules check` and the docs.
    public var safetyEventCodes: [String] { eventIndex.filter { safetyEvents[$0.value] }.keys.sorted() }

    /// Slot ranges by window key, so state written under this layout can be read under another.
    public var layoutDescription: [String: [Int]] { layout.keyedRanges.mapValues { [$0.lowerBound, $0.upperBound] } }
    public var layoutHash: String { hex(signatureHash) }
}

/// What the lifecycle reads of a rule on every evaluation, by value: reading it touches no
/// reference count (a `CompiledRule` is a class, retained and released at each use).
struct RuleTiming: Sendable {
    let forMs: Int64
    let clearForMs: Int64
    let family: Int
    let timeDependent: Bool
    let usesEvent: Bool
    let hasClear: Bool
}

/// One compiled rule, for one device type.
public final class CompiledRule: @unchecked Sendable {
    public let spec: RuleSpec
    let when: Program
    let clear: Program?
    /// What an alarm records as "the input values that triggered it": every field, attribute and
    /// window the `when` expression reads, by its canonical text.
    let inputs: [(String, Compiled)]
    let message: MessageTemplate
    /// The Chinese message; nil: the English one serves both.
    let messageZh: MessageTemplate?
    let family: Int
    let timeDependent: Bool
    /// An event rule holds on the event message only; each matching event counts as a repeat.
    let usesEvent: Bool
    /// The event codes it can hold on (nil: any; empty: it reads no event).
    let eventCodes: Set<String>?
    let packHash: String

    public var id: String { spec.id }

    init(spec: RuleSpec, when: Program, clear: Program?, inputs: [(String, Compiled)], message: MessageTemplate,
         messageZh: MessageTemplate?, family: Int, timeDependent: Bool, usesEvent: Bool, eventCodes: Set<String>?, packHash: String) {
        (self.spec, self.when, self.clear, self.inputs, self.message) = (spec, when, clear, inputs, message)
        (self.messageZh, self.family, self.timeDependent, self.usesEvent) = (messageZh, family, timeDependent, usesEvent)
        (self.eventCodes, self.packHash) = (eventCodes, packHash)
    }
}

extension Sequence where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
