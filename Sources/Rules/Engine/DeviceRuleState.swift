import Domain
import DeviceCatalog
import Ingest

/// Everything the rules remember about one device, in constant space: the last value of each
/// field, the registry attributes rules read, window and `changed()` slots, each rule's phase and
/// each family's open alarm.
///
/// A class so compiled programs read it without copying; confined to the worker thread.
public final class DeviceRuleState {
    let num: Int64
    var device: DirectoryEntry
    var program: TypeProgram
    /// Last value of each field by position (bool as 0/1, enum as the value's index); NaN: never seen.
    var values: [Double]
    /// Text fields' last values by position; empty (no allocation) until the device's type has
    /// one to keep: most types have none, and 100 k devices each kept a slot per field.
    var strings: [String?]
    var attrs: [Double]
    /// Text attributes by position; empty when the rules read none.
    var attrStrings: [String?]
    var slots: [Double]
    var phases: [RulePhase]
    var alarms = FamilyAlarms()
    /// Newest event time seen, and the wall-clock time it arrived: on the clock, the device's
    /// current event time is estimated as `lastTs + (wall now − lastArrival)`.
    var lastTs: Int64?
    var lastArrival: Int64 = 0
    /// Rules not idle; the clock skips devices with none and no time-dependent rules.
    var active = 0
    /// Persistence bookkeeping: changed since last persisted; a phase or alarm changed (persist
    /// with the next commit); when it was last persisted (the device's arrival clock).
    var dirty = false
    var important = false
    var persistedAt = Int64.min

    // The evaluation context, set before each evaluation.
    var now: Int64 = 0
    /// Index of the current message's event code among the type's sorted codes; NaN otherwise.
    var event: Double = .nan
    var onMessage = false
    /// `must_not_use`: 1 or 0 as the engine's status source last said, NaN when not asked.
    var mustNotUse: Double = .nan
    /// The time of the event being evaluated when it arrived late (older than `lastTs`);
    /// `.min` otherwise. An event rule it makes hold starts, and fires, at this time.
    var lateEventAt: Int64 = .min
    /// The device's clock was last seen running ahead of the arrival (one `clock_skew` event
    /// while it does).
    var clockAhead = false
    /// Wall-clock time from which the pipeline hears devices (`RuleHook.hearing(from:)`), set
    /// before each evaluation: `silent()` and `absent()` count no silence before it.
    var hearingFrom: Int64 = .min

    /// `hearingFrom` in the device's time (`.max` while not hearing; `.min` before any message).
    var hearingFromDeviceTime: Int64 {
        guard let last = lastTs, hearingFrom != .min else { return .min }
        guard hearingFrom != .max else { return .max }
        return last + (hearingFrom - lastArrival)
    }

    init(device: DirectoryEntry, program: TypeProgram) {
        num = device.num
        (self.device, self.program) = (device, program)
        let n = program.type.fields.count
        values = Array(repeating: .nan, count: n)
        strings = []
        attrs = []
        attrStrings = []
        slots = Array(repeating: .nan, count: program.layout.count)
        phases = program.idlePhases
        loadAttributes()
    }

    /// Fills the attribute arrays from the registry (at creation and after a registry reload).
    func loadAttributes() {
        let specs = program.layout.attributes
        attrs = Array(repeating: .nan, count: specs.count)
        attrStrings = specs.contains { $0.kind == .string } ? Array(repeating: nil, count: specs.count) : []
        for (i, spec) in specs.enumerated() {
            guard let v = device.attributes[spec.name] else { continue }
            switch (spec.kind, v) {
            case (.number, .number(let d)), (.int, .number(let d)): attrs[i] = d
            case (.bool, .bool(let b)): attrs[i] = b ? 1 : 0
            case (.enumeration, .string(let s)): attrs[i] = spec.values.firstIndex(of: s).map(Double.init) ?? .nan
            case (.string, .string(let s)): attrStrings[i] = s
            default: break
            }
        }
    }

    /// Applies a message's values as the device's current values.
    func apply(_ values: FieldValues) {
        let fields = program.type.fields
        for (i, v) in values.enumerated() {
            guard let v else { continue }
            switch v {
            case .number(let d): self.values[i] = d
            case .bool(let b): self.values[i] = b ? 1 : 0
            case .string(let s):
                if fields[i].kind == .enumeration {
                    self.values[i] = fields[i].values.firstIndex(of: s).map(Double.init) ?? .nan
                } else {
                    if strings.count <= i { strings += Array(repeating: nil, count: fields.count - strings.count) }
                    strings[i] = s
                }
            }
        }
    }
}

/// A device's open alarms by family, kept sparsely: nearly every device has none, and an
/// `[Alarm?]` kept a slot the size of a whole alarm for every family of the type.
struct FamilyAlarms {
    private var open: [(family: Int, alarm: KeptAlarm)] = []

    subscript(family: Int) -> KeptAlarm? {
        get {
            for e in open where e.family == family { return e.alarm }
            return nil
        }
        set {
            if let i = open.firstIndex(where: { $0.family == family }) {
                if let newValue { open[i].alarm = newValue } else { open.remove(at: i) }
            } else if let newValue {
                open.append((family, newValue))
                open.sort { $0.family < $1.family }
            }
        }
    }

    /// The open alarms with their family, in family order.
    var all: [(family: Int, alarm: KeptAlarm)] { open }
}

/// An open alarm as a device's rule state keeps it: without what the state already says (the
/// device's number, id, site and firm, its type, the family's name), and with "none" as
/// `Int64.min` rather than optionals. 112 bytes less an alarm: a fleet-wide silence keeps one for
/// every device (8 MB at 100 k). `DeviceRuleState[alarm:]` gives the whole `Alarm` back, with the
/// device's site and firm as the registry has them now: what a restart always gave (the persisted
/// state never held them), and the firm a registry reload made responsible.
struct KeptAlarm {
    var id: Int64
    var rule: String
    var pack: String
    var message: String
    var messageZh: String?
    var inputs: String
    var startedAt: Int64
    var firedAt: Int64
    var resolvedAt: Int64
    var lastAt: Int64
    var incidentId: Int64
    var repeats: Int
    var severity: Severity
    var state: Alarm.State

    init(_ a: Alarm) {
        id = a.id
        rule = a.rule
        pack = a.pack
        message = a.message
        messageZh = a.messageZh
        inputs = a.inputs
        startedAt = a.startedAt
        firedAt = a.firedAt ?? .min
        resolvedAt = a.resolvedAt ?? .min
        lastAt = a.lastAt
        incidentId = a.incidentId ?? .min
        repeats = a.repeats
        severity = a.severity
        state = a.state
    }

    func alarm(device: DirectoryEntry, type: String, family: String) -> Alarm {
        Alarm(id: id, deviceNum: device.num, device: device.id, type: type, site: device.site, firm: device.firm, rule: rule, family: family,
              pack: pack, severity: severity, state: state, startedAt: startedAt, firedAt: firedAt == .min ? nil : firedAt,
              resolvedAt: resolvedAt == .min ? nil : resolvedAt, repeats: repeats, lastAt: lastAt, message: message,
              messageZh: messageZh, inputs: inputs, incidentId: incidentId == .min ? nil : incidentId)
    }
}

extension DeviceRuleState {
    /// The open alarm (pending or firing) of family `f` of the device's program; nil when none.
    /// Set only alarms of this device, type and family: those, and the device's site and firm, are
    /// not stored with it.
    subscript(alarm f: Int) -> Alarm? {
        get { alarms[f].map { $0.alarm(device: device, type: program.type.id, family: program.families[f]) } }
        set {
            assert(newValue.map { $0.deviceNum == num && $0.type == program.type.id && $0.family == program.families[f] } ?? true,
                   "an alarm kept in another device's or family's state")
            alarms[f] = newValue.map(KeptAlarm.init)
        }
    }

    /// The open alarms in family order.
    var openAlarms: [Alarm] {
        alarms.all.map { $0.alarm.alarm(device: device, type: program.type.id, family: program.families[$0.family]) }
    }
}

/// Where one rule stands on one device: 16 bytes, and every device keeps one per rule of its
/// type (about 12), so this is most of a device's rule state.
///
/// `since` is stored as is; `clearSince`, `phase` and `held` share the second word: the
/// clear time in the low 56 bits (two's complement, the lowest value standing for nil: ±1 million
/// years of milliseconds), the phase in the next two bits and `held` in the one above. As plain
/// fields (an optional and two bytes) it took 24 bytes: 10 MB more at 100 k devices.
struct RulePhase: Equatable {
    enum Phase: UInt8 { case idle, pending, firing }
    /// Pending: when the condition started to hold.
    var since: Int64 = 0
    private var packed: Int64 = RulePhase.noClear & RulePhase.clearMask

    init(since: Int64 = 0, clearSince: Int64? = nil, phase: Phase = .idle, held: Bool = false) {
        (self.since, self.clearSince, self.phase, self.held) = (since, clearSince, phase, held)
    }

    private static let clearBits: Int64 = 56
    private static let clearMask: Int64 = (1 << clearBits) - 1
    /// The 56-bit value that stands for nil (the lowest); real times are clamped above it.
    private static let noClear: Int64 = -(1 << (clearBits - 1))
    private static let latestClear: Int64 = (1 << (clearBits - 1)) - 1
    private static let phaseShift: Int64 = 56
    private static let heldBit: Int64 = 1 << 58

    /// Firing: when the clear condition started to hold; nil while it does not.
    var clearSince: Int64? {
        get {
            let v = (packed << (64 - Self.clearBits)) >> (64 - Self.clearBits)   // sign-extended
            return v == Self.noClear ? nil : v
        }
        set {
            let v = newValue.map { min(max($0, Self.noClear + 1), Self.latestClear) } ?? Self.noClear
            packed = (packed & ~Self.clearMask) | (v & Self.clearMask)
        }
    }

    var phase: Phase {
        get { Phase(rawValue: UInt8((packed >> Self.phaseShift) & 3)) ?? .idle }
        set { packed = (packed & ~(3 << Self.phaseShift)) | (Int64(newValue.rawValue) << Self.phaseShift) }
    }

    /// Whether `when` held at the previous evaluation (a rising edge is a repeat).
    var held: Bool {
        get { packed & Self.heldBit != 0 }
        set { packed = newValue ? packed | Self.heldBit : packed & ~Self.heldBit }
    }
}
