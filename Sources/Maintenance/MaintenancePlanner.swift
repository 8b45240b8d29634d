import Domain
import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Rules

/// What the planner decided in one step, stored in the commit that follows.
public struct PlannerOutput: Sendable {
    public var notices: [NoticeDraft] = []
    public var events: [DerivedEvent] = []
    /// Maintenance records applied, with the counter values that became the new baseline (JSON).
    public var applied: [(record: Int64, counters: String)] = []
    /// Devices whose risk inputs moved (maintenance overdue, monitoring gap, completion).
    public var riskInputsChanged: [Int64] = []

    public init() {}
    /// Empties every list, keeping the capacity.
    public mutating func removeAll() {
        notices.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        applied.removeAll(keepingCapacity: true)
        riskInputsChanged.removeAll(keepingCapacity: true)
    }
}

/// The maintenance planner (SPEC §11): follows each device's usage counters, faults, monitoring
/// health and calendar, keeps it on the fixed or the on-demand regime, and decides notices.
///
/// Pure and single-threaded: time comes in as arguments (the pipeline's clock, or a test's), and
/// decisions come out as `PlannerOutput`. Per device it keeps a small, constant `PlanState`.
public final class MaintenancePlanner {
    /// The planner's clocks: when it started (silence counts from there), how often state is
    /// persisted and the local days periods are counted in.
    public struct Options: Sendable {
        /// When this planner started: silence is counted from here at the earliest, so the
        /// pipeline's own downtime never counts against a device's monitoring.
        public var startedAt: Int64
        /// Counter and last-seen changes are persisted at most this often per device; regime,
        /// notices and completions go with the next commit.
        public var persistEveryMs: Int64 = 5000
        /// The local days calendar periods and statutory dates are counted in (a month ends at
        /// local midnight, an inspection is valid through its due date's local end): Asia/Shanghai
        /// by default; the pipeline passes its store's (the display zone's).
        public var localDays: LocalDays = .china
        /// Devices the clock checks per call of `tick`: a sweep over a large fleet goes in
        /// steps, each committed with what it decided, so a fleet-wide calendar date or silence
        /// is not one commit (and one burst of memory) of 100 k notices and states.
        public var tickStep = 2000
        public init(startedAt: Int64) { self.startedAt = startedAt }
    }

    final class Slot {
        let entry: DirectoryEntry
        let plan: TypePlan
        var state: PlanState
        /// Epoch ms from which some statutory inspection is overdue (Int64.max: never).
        var inspectionValidUntil: Int64 = .max
        var inspectionProblem = Wording(en: "", zh: "")
        var firmGrade: String?
        /// The rescue deadline at the device's site (types with a `rescue` policy).
        var rescueWithinMs: Int64?
        var dirty = false
        var important = false
        var persistedAt: Int64 = 0

        init(entry: DirectoryEntry, plan: TypePlan, state: PlanState) { (self.entry, self.plan, self.state) = (entry, plan, state) }
    }

    let options: Options
    var slots: [Slot?] = []
    var byNum: [Int64: Int] = [:]
    var followups: [String: RuleSpec.Followup] = [:]
    /// Rules whose firing starts the rescue clock.
    var rescueRules: Set<String> = []
    /// Rules whose firing raises a major hazard (must not be used until verified and closed).
    var hazardRules: Set<String> = []
    private var dirtyList: [Int] = []

    public init(directory: DeviceDirectory, rules: RuleSet?, restored: [Int64: PlanState], options: Options) {
        self.options = options
        if let rules { reload(rules: rules) }
        install(directory, states: restored, now: options.startedAt)
    }

    /// A new registry: devices keep their state by store key; new devices start a cycle now.
    public func reload(directory: DeviceDirectory, now: Int64) {
        var states: [Int64: PlanState] = [:]
        var unsaved: [Int64] = []
        for case let s? in slots {
            states[s.entry.num] = s.state
            if s.dirty { unsaved.append(s.entry.num) }
        }
        install(directory, states: states, now: now)
        for num in unsaved { if let i = byNum[num], let s = slots[i] { markDirty(s, i, important: true) } }
    }

    /// New rule packs: which rules carry a maintenance follow-up.
    public func reload(rules: RuleSet) {
        var f: [String: RuleSpec.Followup] = [:]
        var rescue: Set<String> = []
        var hazard: Set<String> = []
        for program in rules.programs.values {
            for rule in program.rules {
                if let m = rule.spec.maintenance { f[rule.spec.id] = m }
                if rule.spec.rescue { rescue.insert(rule.spec.id) }
                if rule.spec.hazard { hazard.insert(rule.spec.id) }
            }
        }
        followups = f
        rescueRules = rescue
        hazardRules = hazard
    }

    private func install(_ directory: DeviceDirectory, states: [Int64: PlanState], now: Int64) {
        let plans = directory.types.map(TypePlan.init(type:))
        slots = Array(repeating: nil, count: directory.entries.count)
        byNum.removeAll(keepingCapacity: true)
        dirtyList.removeAll()
        // Devices inspected on the same day share the text of why their inspection lapses: one
        // copy each (about 10 MB at 100 k devices otherwise).
        var problems: Set<Wording> = []
        for entry in directory.entries {
            guard let plan = plans[entry.typeIndex] else { continue }
            let restored = states[entry.num]
            let slot = Slot(entry: entry, plan: plan, state: restored ?? PlanState(baselineAt: now, regime: .fixed))
            let type = directory.type(of: entry)
            let dues = InspectionCalendarBridge.dues(type: type, entry: entry, days: options.localDays)
            if let first = dues.min(by: { $0.validUntil < $1.validUntil }) {
                slot.inspectionValidUntil = first.validUntil
                slot.inspectionProblem = problems.insert(first.problem).memberAfterInsert
            }
            slot.firmGrade = directory.firms[entry.firm]?.grade
            slot.rescueWithinMs = type.rescue?.withinMs(at: directory.sites[entry.site])
            if restored == nil {
                // The first regime is a starting point, not a change: no notice.
                slot.state.regime = plan.hasOnDemand && ineligibility(slot, now: now).isEmpty ? .onDemand : .fixed
                markDirty(slot, entry.index, important: true)
            }
            slots[entry.index] = slot
            byNum[entry.num] = entry.index
        }
    }

    /// The state of a device, for queries and tests.
    public func state(of deviceNum: Int64) -> PlanState? { byNum[deviceNum].flatMap { slots[$0]?.state } }

    /// From when the pipeline hears devices (wall clock; `.max` while it is not receiving): a
    /// silence or monitoring gap before it is the pipeline's own outage, not the device's.
    public private(set) var hearingFrom: Int64 = .min
    /// The pipeline hears devices again from `from` after an outage of its own: silence before it
    /// is not the devices'.
    public func hearing(from: Int64) { hearingFrom = from }

    // MARK: Messages

    /// Follows one accepted message: monitoring health, usage counters, repeated faults.
    public func observe(_ m: AcceptedMessage, into out: inout PlannerOutput) {
        guard m.entryIndex < slots.count, let s = slots[m.entryIndex], s.entry.num == m.deviceNum else { return }
        let now = m.receivedAt
        if let e = s.plan.eligibility {
            let since = silentSince(s)
            if now - since > e.maxSilenceMs {
                s.state.lastGapEndedAt = now
                var w = JSONWriter()
                w.add("silent_ms", now - since)
                w.add("since", .string(Timestamp.format(since)))
                w.add("limit_ms", e.maxSilenceMs)
                out.events.append(DerivedEvent(deviceNum: m.deviceNum, ts: m.ts, code: .monitoringGap, data: w.finish(), receivedAt: now))
                out.riskInputsChanged.append(m.deviceNum)
                s.important = true
            }
        }
        if now > (s.state.lastSeen ?? .min) { s.state.lastSeen = now }
        switch m.kind {
        case .telemetry:
            for c in s.plan.counters {
                guard c.position < m.values.count, let v = m.values[c.position]?.number else { continue }
                // One hash of the name per counter and message: found by index, updated in place.
                guard let at = s.state.counters.index(forKey: c.name) else {
                    s.state.counters[c.name] = CounterState(first: v, ts: m.ts)
                    continue
                }
                let step = s.state.counters[at: at].observe(v, ts: m.ts, wrapAt: c.wrapAt, tolerance: c.tolerance, resetBelow: c.resetBelow)
                if step == .reset || step == .wrap || step == .rebased {
                    var w = JSONWriter()
                    w.add("counter", .string(c.name))
                    w.add("value", .number(v))
                    out.events.append(DerivedEvent(deviceNum: m.deviceNum, ts: m.ts, code: step == .reset ? .counterReset : step == .wrap ? .counterWrap : .counterRebased,
                                                   data: w.finish(), receivedAt: now))
                }
            }
            if s.state.due == nil, s.state.regime == .onDemand { checkUsage(s, now: now, into: &out) }
        case .event:
            if let f = s.plan.faults, let code = m.code, f.codes.contains(code) { recordFault(s, f, ts: m.ts, now: now, into: &out) }
        }
        markDirty(s, m.entryIndex, important: false)
    }

    /// Rules with a `maintenance` follow-up that fired (or escalated to such a rule) become
    /// `fault_followup` notices, one per alarm and rule.
    public func observe(alarms: [AlarmChange], now: Int64, into out: inout PlannerOutput) {
        for c in alarms where c.transition == .raised || c.transition == .escalated {
            if rescueRules.contains(c.alarm.rule), let i = byNum[c.alarm.deviceNum], let s = slots[i], let within = s.rescueWithinMs {
                out.notices.append(RescueNotice.draft(c.alarm, slot: s, withinMs: within, now: now, days: options.localDays))
            }
            guard let f = followups[c.alarm.rule], let i = byNum[c.alarm.deviceNum], let s = slots[i] else { continue }
            let fired = c.alarm.firedAt ?? c.alarm.lastAt
            var w = JSONWriter()
            w.add("alarm", c.alarm.id)
            w.add("rule", .string(c.alarm.rule))
            w.add("severity", .string(c.alarm.severity.rawValue))
            w.add("fired_at", .string(Timestamp.format(fired)))
            let why = f.reason.map { "\($0): " } ?? ""
            let hazard = hazardRules.contains(c.alarm.rule) ? HazardStart(rule: c.alarm.rule, alarmId: c.alarm.id, raisedAt: fired) : nil
            if hazard != nil { w.add("hazard", .bool(true)) }
            let whyZh = (f.reasonZh ?? f.reason).map { "\($0)：" } ?? ""
            let alarmZh = c.alarm.messageZh ?? c.alarm.message
            let reason = hazard == nil
                ? Prose(.faultFollowup, [("rule", c.alarm.rule), ("alarm", "\(c.alarm.id)")],
                        en: why + c.alarm.message, zh: whyZh + alarmZh)
                : Prose(.hazardFollowup, [("rule", c.alarm.rule), ("alarm", "\(c.alarm.id)")],
                        en: "major hazard, must not be used until rectified and the closure verified (销号): " + why + c.alarm.message,
                        zh: "重大事故隐患，整改并经核查销号前禁止使用：" + whyZh + alarmZh)
            emit(s, .faultFollowup, key: "followup:\(c.alarm.id):\(c.alarm.rule)", trigger: c.alarm.rule,
                 reason: reason,
                 dueBy: fired + f.deadlineMs, now: now, stale: false, detail: w.finish(), hazard: hazard, into: &out)
        }
    }

    // MARK: Clock

    /// Time-driven decisions for every device: regime (eligibility), calendar triggers, overdue.
    /// Where the clock's sweep in progress goes on (0: none under way).
    private var swept = 0

    /// The planner's clock: calendar limits, overdue notices and records applied by other
    /// processes.
    public func tick(now: Int64, into out: inout PlannerOutput) {
        let end = min(slots.count, swept + max(1, options.tickStep))
        for case let s? in slots[min(swept, end)..<end] {
            checkRegime(s, now: now, into: &out)
            checkCalendar(s, now: now, into: &out)
            if !s.plan.tiers.isEmpty { checkTiers(s, now: now, into: &out) }
        }
        swept = end >= slots.count ? 0 : end
    }

    /// Whether a sweep of the clock is under way (`tick` checks `tickStep` devices a call).
    public var sweeping: Bool { swept > 0 }

    /// A completed maintenance: a new cycle begins (counters' baseline, calendar), open
    /// decisions are dropped. Records arrive in id order; one seen before is ignored.
    public func apply(_ r: MaintenanceRecord, into out: inout PlannerOutput) {
        guard let i = byNum[r.deviceNum], let s = slots[i], r.id > s.state.record else {
            out.applied.append((r.id, "{}"))
            return
        }
        // Before the first record the baseline is only when the planner first saw the device,
        // so a reported date replaces it; after that the later of the two stands.
        s.state.baselineAt = s.state.record == 0 ? r.doneAt : max(s.state.baselineAt, r.doneAt)
        s.state.record = r.id
        var w = JSONWriter()
        for name in s.state.counters.keys {
            s.state.counters[name]!.used = 0
            w.add(name, .number(s.state.counters[name]!.last))
        }
        s.state.faults.removeAll()
        s.state.due = nil
        for tier in r.tiers where s.plan.tiers.contains(where: { $0.name == tier }) {
            let done = max(s.state.tiers?[tier.rawValue]?.doneAt ?? .min, r.doneAt)
            var tiers = s.state.tiers ?? NamedValues()
            tiers[tier.rawValue] = TierState(doneAt: done)
            s.state.tiers = tiers
        }
        out.applied.append((r.id, w.finish()))
        out.riskInputsChanged.append(r.deviceNum)
        markDirty(s, i, important: true)
    }

    // MARK: Persistence

    /// Devices whose state the last `drainState` could not encode, with the reason: they stay
    /// dirty and are tried again, and the caller logs them.
    public private(set) var unencodable: [(device: Int64, reason: String)] = []

    /// Device states that moved, as JSON, for the commit. Unforced, a state whose only changes
    /// are counters and last-seen is written at most every `persistEveryMs`.
    public func drainState(force: Bool, now: Int64) -> [(device: Int64, state: String)] {
        unencodable.removeAll()
        var out: [(device: Int64, state: String)] = []
        var keep: [Int] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for i in dirtyList {
            guard i < slots.count, let s = slots[i], s.dirty else { continue }
            if !force, !s.important, now - s.persistedAt < options.persistEveryMs {
                keep.append(i)
                continue
            }
            let data: Data
            do { data = try encoder.encode(s.state) } catch {
                // Kept dirty, so it is tried again; the stage logs the reason.
                unencodable.append((s.entry.num, "\(error)"))
                keep.append(i)
                continue
            }
            out.append((s.entry.num, String(decoding: data, as: UTF8.self)))
            s.dirty = false
            s.important = false
            s.persistedAt = now
        }
        dirtyList = keep
        return out
    }

    func markDirty(_ s: Slot, _ index: Int, important: Bool) {
        if important { s.important = true }
        guard !s.dirty else { return }
        s.dirty = true
        dirtyList.append(index)
    }
}

/// Inspection due dates turned into the planner's terms: from when a device's inspection is no
/// longer valid, and why.
enum InspectionCalendarBridge {
    static func dues(type: DeviceType, entry: DirectoryEntry, days: LocalDays) -> [(validUntil: Int64, problem: Wording)] {
        let zh = type.inspectionNameZh
        return InspectionCalendar.dueDates(policies: type.inspections, commissioned: entry.commissioned,
                                           lastInspections: entry.lastInspections, grade: entry.inspectionGrade,
                                           attributes: entry.attributes, gradeSince: entry.gradeSince).filter { $0.coveredBy == nil }.map { d in
            // Valid through the due day itself, to its local midnight.
            let until = d.mustNotUse ? Int64.min : days.end(d.due)
            return (until, d.mustNotUse
                ? Wording(en: "\(d.kind) inspection: \(d.basis)", zh: "\(zh(d.kind))：\(d.basis)")
                : Wording(en: "\(d.kind) inspection was due \(d.due) (\(d.basis))", zh: "\(zh(d.kind))应于 \(d.due) 前完成（\(d.basis)）"))
        } + entry.failedInspections.map {
            (Int64.min, Wording(en: "\($0.key) inspection failed on \($0.value): must not be used", zh: "\(zh($0.key))不合格（\($0.value)），禁止使用"))
        } + entry.openHazards.map {
            (Int64.min, Wording(en: "major hazard \($0.key) since \($0.value): must not be used", zh: "重大事故隐患 \($0.key)（\($0.value) 起），禁止使用"))
        }
    }
}

/// A phrase in both languages, part of a notice's reason.
struct Wording: Hashable {
    var en: String
    var zh: String
}
