import Domain
import DeviceCatalog
import Ingest

/// The rule engine (SPEC §5): evaluates the compiled rules of each device's type on every
/// accepted message and on a clock, and turns their conditions into alarm changes.
///
/// Time is event time: a rule sees the device's readings in `ts` order and `for`/`clear_for`
/// count in the device's own time. Between messages the device's time is estimated from the
/// wall clock (`lastTs + (now − arrival of lastTs)`), so a condition that holds with no further
/// message (a car stopped with a passenger inside, a device gone silent) still fires on time.
///
/// Late readings (older than the newest `ts` of the device): within `lateToleranceMs` they are
/// added to windows at their own time and rules are re-evaluated at the device's current time,
/// but they never overwrite the current values; beyond it they are stored but ignored by the
/// rules and counted in `lateIgnored`. Duplicates never get here (the sequence check drops them).
///
/// Safety events are the exception: an event that a rule marked `rescue` or `hazard`, or of
/// severity major or critical, fires on (`TypeProgram.safetyEvents`) reaches the rules however
/// late it is. Windows and `for` timers keep their ordering (it is not added to windows beyond
/// the tolerance), but an event rule it makes hold opens its alarm at the event's own time, with
/// a note in the message that it arrived late: a trapped passenger is never ignored because a
/// gateway flushed its buffer newest first.
///
/// A device clock running ahead of the arrival by more than `lateToleranceMs` would make every
/// reading after it late: the rules take such a message's time as its arrival time instead (it
/// is stored with its own `ts`), and raise one `clock_skew` event until the clock is back.
///
/// Confined to the pipeline's worker thread (or a replay / rule-test driver).
public final class RuleEngine: RuleHook {
    /// The engine's clocks: how late a reading may be, the tick, when it started (silence counts
    /// from there) and how often state is persisted.
    public struct Options: Sendable {
        public var lateToleranceMs: Int64 = 10_000
        /// How often the clock re-evaluates timers and time-dependent rules.
        public var tickMs: Int64 = 1000
        /// Wall-clock start of this engine: silence is measured from no earlier than this, since
        /// nothing could be heard while the pipeline was down.
        public var startedAt: Int64 = 0
        /// Values and windows of a device are persisted at most this often while only they
        /// change (phases and alarms are persisted with the very next commit): a crash loses at
        /// most this much window history, never an alarm transition.
        public var persistEveryMs: Int64 = 5000
        /// Devices the clock evaluates per call of `tick`: a sweep over a large fleet goes in
        /// steps, each committed with what it raised, so a fleet-wide silence is not one commit
        /// (and one burst of memory) of 100 k alarm changes and states. The worker calls `tick`
        /// every commit interval (20 ms), so 2000 a step sweeps 100 k devices in about 1 s.
        public var tickStep = 2000
        public init() {}
    }

    public private(set) var rules: RuleSet
    let options: Options
    /// Says whether a device must not be used, for rules that read `must_not_use` (asked on each
    /// message of such a type; nil: unknown, so such rules never fire).
    public var status: (any DeviceStatusSource)?
    var states: [Int64: DeviceRuleState] = [:]
    /// The same states by the device's position in the directory its messages were validated
    /// against: the per-message look-up is an index, not a hash (checked by number, so a stale
    /// position after a registry reload falls back to `states`).
    private var byPosition: [DeviceRuleState?] = []
    private var dirty: [DeviceRuleState] = []
    private var lastTick = Int64.min
    /// The clock's sweep in progress: the states to visit, and how far it got.
    private var sweep: [DeviceRuleState] = []
    private var swept = 0
    var nextAlarmId: Int64
    var nextIncidentId: Int64
    /// Readings older than the tolerance, ignored by the rules (still stored).
    public private(set) var lateIgnored = 0
    /// From when the pipeline hears devices (wall clock; `.max` while it is not receiving).
    public private(set) var hearingFrom: Int64 = .min
    /// Layouts this process has known, by signature hash, to map state across a layout change.
    private var layouts: [UInt64: [String: Range<Int>]] = [:]
    /// Where a device's conditions are evaluated to before its lifecycle runs (`evaluateRules`):
    /// one buffer for the engine, as long as the largest type's rules.
    private var truths = UnsafeMutablePointer<Double>.allocate(capacity: 0)
    private var truthCapacity = 0

    public init(rules: RuleSet, options: Options = Options(), nextAlarmId: Int64 = 1, nextIncidentId: Int64 = 1) {
        (self.rules, self.options, self.nextAlarmId, self.nextIncidentId) = (rules, options, nextAlarmId, nextIncidentId)
        remember(rules)
    }

    deinit { truths.deallocate() }

    /// The truths buffer, with room for `count` rules (NaN-filled when it grows).
    func truthScratch(_ count: Int) -> UnsafeMutablePointer<Double> {
        if count > truthCapacity {
            truths.deallocate()
            truths = .allocate(capacity: count)
            truths.initialize(repeating: .nan, count: count)
            truthCapacity = count
        }
        return truths
    }

    // MARK: RuleHook

    /// Runs the device type's compiled rules on one accepted message and appends the alarm changes
    /// to `out`.
    public func evaluate(_ m: AcceptedMessage, device: DirectoryEntry, type: DeviceType, into out: inout RuleOutput) {
        // The device's state already knows its program: the type's program is looked up by name
        // only for a device's first message and after a reload.
        guard let s = state(for: device, type: type) else { return }
        let program = s.program
        let ts = time(of: m, s, into: &out)
        var late = false, beyondTolerance = false
        if let last = s.lastTs, ts < last {
            if last - ts > options.lateToleranceMs {
                guard m.kind == .event, program.isSafetyEvent(m.code) else { lateIgnored += 1; return }
                beyondTolerance = true
            }
            late = true
            if m.kind == .event { s.lateEventAt = ts }
        }
        defer { s.lateEventAt = .min }
        if !late {
            s.lastTs = ts
            s.lastArrival = m.receivedAt
            if m.kind == .telemetry { s.apply(m.values) }
        }
        s.now = s.lastTs ?? ts
        s.hearingFrom = hearingFrom
        if program.readsStatus, let status {
            s.mustNotUse = status.mustNotUse(device, type: type, at: m.ts) ? 1 : 0
        }
        s.event = m.kind == .event ? (m.code.flatMap { program.eventIndex[$0] }.map(Double.init) ?? .nan) : .nan
        s.onMessage = true
        defer { s.onMessage = false; s.event = .nan }
        if !beyondTolerance { updateWindows(s, m, ts: ts, late: late) }
        markDirty(s, important: evaluateRules(s, onlyTimed: false, into: &out))
    }

    /// The message's time for the rules: its `ts`, or its arrival when the device's clock runs
    /// ahead of the arrival by more than the late tolerance (then one `clock_skew` event, until
    /// a message within the tolerance says the clock is back).
    private func time(of m: AcceptedMessage, _ s: DeviceRuleState, into out: inout RuleOutput) -> Int64 {
        let ahead = m.ts - m.receivedAt
        guard ahead > options.lateToleranceMs else {
            s.clockAhead = false
            return m.ts
        }
        if !s.clockAhead {
            s.clockAhead = true
            var w = JSONWriter()
            w.add("ahead_ms", ahead)
            w.add("ts", .string(Timestamp.format(m.ts)))
            w.add("received_at", .string(Timestamp.format(m.receivedAt)))
            w.add("tolerance_ms", options.lateToleranceMs)
            out.events.append(DerivedEvent(deviceNum: m.deviceNum, ts: m.receivedAt, code: .clockSkew, data: w.finish(),
                                           receivedAt: m.receivedAt))
        }
        return m.receivedAt
    }

    private func markDirty(_ s: DeviceRuleState, important: Bool) {
        if important { s.important = true }
        if !s.dirty {
            s.dirty = true
            dirty.append(s)
        }
    }

    /// Evaluates timers and time-dependent rules: a sweep over every device starts each
    /// `tickMs`, and each call goes `tickStep` devices further until the sweep is done.
    public func tick(now: Int64, directory: DeviceDirectory, into out: inout RuleOutput) {
        if swept >= sweep.count {
            guard lastTick == .min || now - lastTick >= options.tickMs else { return }
            lastTick = now
            sweep = Array(states.values)
            swept = 0
        }
        let end = min(sweep.count, swept + max(1, options.tickStep))
        for s in sweep[swept..<end] where states[s.num] === s && s.lastTs != nil && (s.active > 0 || !s.program.timeDependent.isEmpty) {
            s.now = s.lastTs! + max(0, now - s.lastArrival)
            s.hearingFrom = hearingFrom
            if evaluateRules(s, onlyTimed: true, into: &out) { markDirty(s, important: true) }
        }
        swept = end
        if swept >= sweep.count {
            sweep.removeAll()
            swept = 0
        }
    }

    /// The pipeline hears devices again from `from` after an outage of its own: `silent()` and
    /// `absent()` count from there.
    public func hearing(from: Int64) { hearingFrom = from }

    /// Takes a new registry, carrying each device's rule state by number.
    public func reload(directory: DeviceDirectory) {
        var kept: [Int64: DeviceRuleState] = [:]
        for entry in directory.entries {
            guard let s = states[entry.num] else { continue }
            if s.program.type.id == directory.type(of: entry).id {
                s.device = entry
                s.loadAttributes()
                kept[entry.num] = s
            }
        }
        states = kept
        byPosition = []
    }

    /// The encoded rule state of devices whose state moved since the last drain (every device with
    /// `force`), to persist with the commit.
    public func drainState(force: Bool) -> [(device: Int64, state: [UInt8])] {
        var out: [(device: Int64, state: [UInt8])] = []
        var keep: [DeviceRuleState] = []
        for s in dirty where states[s.num] === s {
            if force || s.important || s.persistedAt == .min || s.lastArrival - s.persistedAt >= options.persistEveryMs {
                out.append((s.num, StateCodec.encode(s)))
                s.dirty = false
                s.important = false
                s.persistedAt = s.lastArrival
            } else {
                keep.append(s)
            }
        }
        dirty = keep
        return out
    }

    // MARK: Rules reload and restore

    /// Replaces the rules, keeping state: a rule that still exists (by id) keeps its phase and
    /// timers, a family keeps its open alarm, a window with the same key keeps its samples. An
    /// open alarm whose family no longer exists is resolved (or, if only pending, cancelled).
    public func reload(rules new: RuleSet, now: Int64, into out: inout RuleOutput) {
        remember(new)
        rules = new
        byPosition = []
        for (num, s) in states {
            guard let program = new.programs[s.program.type.id] else { states[num] = nil; continue }
            let orphans = migrate(s, to: program, oldLayout: s.program.layout.keyedRanges)
            for var a in orphans {
                if a.state == .pending {
                    out.alarms.append(AlarmChange(alarm: a, transition: .cancelled, opensIncident: false))
                } else {
                    a.state = .resolved
                    a.resolvedAt = now
                    a.message += " (resolved: its rule was removed)"
                    a.messageZh = a.messageZh.map { $0 + "（其规则已删除，自动解除）" }
                    out.alarms.append(AlarmChange(alarm: a, transition: .resolved, opensIncident: false))
                }
            }
            markDirty(s, important: true)
        }
    }

    /// Restores persisted state (at startup). `layouts` are layouts stored by earlier runs.
    /// Returns the devices whose saved state could not be decoded (they start afresh); the
    /// caller logs them, since a core has no log of its own.
    @discardableResult
    public func restore(_ saved: [(device: Int64, state: [UInt8])], directory: DeviceDirectory,
                        layouts: [String: [String: [Int]]]) -> [Int64] {
        var unreadable: [Int64] = []
        byPosition = []
        for (hash, ranges) in layouts {
            guard let h = UInt64(hash, radix: 16) else { continue }
            self.layouts[h] = ranges.compactMapValues { $0.count == 2 && $0[0] <= $0[1] ? $0[0]..<$0[1] : nil }
        }
        var byNum: [Int64: DirectoryEntry] = [:]
        for e in directory.entries { byNum[e.num] = e }
        for (num, bytes) in saved {
            guard let entry = byNum[num],
                  let program = rules.programs[directory.type(of: entry).id] else { continue }
            let s = DeviceRuleState(device: entry, program: program)
            guard StateCodec.decode(bytes, into: s, layouts: self.layouts) else { unreadable.append(num); continue }
            s.lastArrival = max(s.lastArrival, options.startedAt)
            states[num] = s
        }
        return unreadable
    }

    /// Alarms open now (pending or firing), for rule tests and inspection.
    public func openAlarms() -> [Alarm] {
        states.values.flatMap { $0.openAlarms }.sorted { ($0.deviceNum, $0.rule) < ($1.deviceNum, $1.rule) }
    }

    // MARK: Internals

    private func state(for device: DirectoryEntry, type: DeviceType) -> DeviceRuleState? {
        if device.index < byPosition.count, let s = byPosition[device.index], s.num == device.num, s.program.type === type { return s }
        guard let s = stateByNumber(for: device, type: type) else { return nil }
        if device.index >= byPosition.count { byPosition += Array(repeating: nil, count: device.index + 1 - byPosition.count) }
        byPosition[device.index] = s
        return s
    }

    private func stateByNumber(for device: DirectoryEntry, type: DeviceType) -> DeviceRuleState? {
        if let s = states[device.num], s.program.type === type { return s }
        guard let program = rules.programs[type.id], !program.rules.isEmpty else { return nil }
        if let s = states[device.num] {
            // Rules reloaded since the device's last message: carry its state over.
            if s.program !== program { _ = migrate(s, to: program, oldLayout: s.program.layout.keyedRanges) }
            return s
        }
        let s = DeviceRuleState(device: device, program: program)
        states[device.num] = s
        return s
    }

    private func remember(_ set: RuleSet) {
        for p in set.programs.values { layouts[p.signatureHash] = p.layout.keyedRanges }
    }

    private func updateWindows(_ s: DeviceRuleState, _ m: AcceptedMessage, ts: Int64, late: Bool) {
        let layout = s.program.layout
        // By index: `for w in` copied each window's spec (its key and condition retained).
        for i in layout.windows.indices {
            let w = layout.windows[i].read, field = layout.windows[i].field
            if let cond = layout.windows[i].condition {
                if cond.truth(s) == .yes { w.add(ts: ts, value: 1, to: &s.slots) }
            } else if m.kind == .telemetry, field < m.values.count, case .number(let v)? = m.values[field] {
                w.add(ts: ts, value: v, to: &s.slots)
            }
        }
        for e in layout.sinceEvents {
            let last = s.slots[e.offset]
            if m.kind == .event, s.event == Double(e.code) {
                s.slots[e.offset] = last.isNaN ? Double(ts) : max(last, Double(ts))
            } else if last.isNaN {
                s.slots[e.offset] = Double(ts)  // counting starts with the device's first message
            }
        }
        for c in layout.changes {
            let present = !late && m.kind == .telemetry && c.field < m.values.count && m.values[c.field] != nil
            guard present else { s.slots[c.offset + 1] = 0; continue }
            let new = s.values[c.field], prev = s.slots[c.offset]
            s.slots[c.offset + 1] = !prev.isNaN && prev != new ? 1 : 0
            s.slots[c.offset] = new
        }
    }

    /// Moves a device's state to another program of its type; returns open alarms of families
    /// the new program no longer has.
    private func migrate(_ s: DeviceRuleState, to program: TypeProgram, oldLayout: [String: Range<Int>]) -> [Alarm] {
        let oldProgram = s.program
        var slots = Array(repeating: Double.nan, count: program.layout.count)
        for (key, range) in program.layout.keyedRanges {
            guard let from = oldLayout[key], from.count == range.count, from.upperBound <= s.slots.count else { continue }
            slots[range] = s.slots[from]
        }
        var phases = program.idlePhases
        for (j, r) in program.rules.enumerated() {
            if let i = oldProgram.rules.firstIndex(where: { $0.id == r.id }) { phases[j] = s.phases[i] }
        }
        var alarms = FamilyAlarms()
        var orphans: [Alarm] = []
        for (i, name) in oldProgram.families.enumerated() {
            guard let kept = s.alarms[i] else { continue }
            // Kept by family position: the same family keeps its alarm under its new position.
            if let j = program.families.firstIndex(of: name) { alarms[j] = kept } else { orphans.append(s[alarm: i]!) }
        }
        s.program = program
        s.slots = slots
        s.phases = phases
        s.alarms = alarms
        s.active = phases.filter { $0.phase != .idle }.count
        s.loadAttributes()
        return orphans
    }
}
