import Domain
import DeviceCatalog
import Ingest

/// The planner's decisions: which regime applies, when maintenance falls due, when it is
/// overdue. Each decision is a notice with a key that makes it once-only.
extension MaintenancePlanner {
    /// Which on-demand conditions (SPEC §11) a device fails now. Cheap, because the clock asks
    /// it of every device on every tick; the words come from `describe` only on a change.
    struct Ineligibility: OptionSet {
        let rawValue: UInt8
        static let inspection = Ineligibility(rawValue: 1)
        static let firm = Ineligibility(rawValue: 2)
        static let silent = Ineligibility(rawValue: 4)
        static let recentGap = Ineligibility(rawValue: 8)
    }

    func ineligibility(_ s: Slot, now: Int64) -> Ineligibility {
        var failed: Ineligibility = []
        if now >= s.inspectionValidUntil { failed.insert(.inspection) }
        guard let e = s.plan.eligibility else { return failed }
        if let grades = e.firmGrades, !grades.contains(s.firmGrade ?? "") { failed.insert(.firm) }
        if now - silentSince(s) > e.maxSilenceMs { failed.insert(.silent) }
        if let back = s.state.lastGapEndedAt, now - back < e.windowMs { failed.insert(.recentGap) }
        return failed
    }

    /// Silence is counted from the later of the last message and the planner's start.
    func silentSince(_ s: Slot) -> Int64 { max(s.state.lastSeen ?? options.startedAt, options.startedAt) }

    func describe(_ failed: Ineligibility, _ s: Slot) -> [String] {
        var out: [String] = []
        if failed.contains(.inspection) { out.append(s.inspectionProblem) }
        guard let e = s.plan.eligibility else { return out }
        if failed.contains(.firm) {
            out.append("firm \(s.entry.firm) is graded \(s.firmGrade ?? "(none)"); on-demand needs \((e.firmGrades ?? []).sorted().joined(separator: " or "))")
        }
        if failed.contains(.silent) {
            out.append("no data since \(options.localDays.format(silentSince(s))) (limit \(Interval(milliseconds: e.maxSilenceMs)))")
        }
        if failed.contains(.recentGap), let back = s.state.lastGapEndedAt {
            out.append("monitoring was interrupted until \(options.localDays.format(back)), within the last \(Interval(milliseconds: e.windowMs))")
        }
        return out
    }

    func checkRegime(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        guard s.plan.hasOnDemand else { return }
        let failed = ineligibility(s, now: now)
        let regime: Regime = failed.isEmpty ? .onDemand : .fixed
        guard regime != s.state.regime else { return }
        let problems = describe(failed, s)
        s.state.regime = regime
        s.state.regimeSince = now
        s.state.regimeChanges += 1
        let reason = regime == .fixed
            ? "on-demand eligibility lapsed, fixed regime (every \(Interval(milliseconds: s.plan.fixedIntervalMs))) applies: " + problems.joined(separator: "; ")
            : "eligible for on-demand maintenance again (" + onDemandCalendar(s.plan) + " plus usage triggers)"
        var w = JSONWriter()
        w.add("regime", .string(regime.rawValue))
        w.add("previous", .string(regime == .fixed ? Regime.onDemand.rawValue : Regime.fixed.rawValue))
        emit(s, .regimeChanged, key: "regime:\(s.entry.num):\(s.state.regimeChanges)", trigger: "eligibility", reason: reason,
             dueBy: s.state.due?.dueBy ?? calendarDueBy(s), now: now, stale: false, detail: w.finish(), into: &out)
        markDirty(s, s.entry.index, important: true)
    }

    /// When calendar maintenance must be done: the regime's interval after the cycle began, and
    /// never sooner than one deadline after a switch of regime (a device moved to the fixed
    /// regime late in a long on-demand cycle gets the deadline, not an instant overdue).
    func calendarDueBy(_ s: Slot) -> Int64 {
        if s.state.regime == .onDemand, let period = s.plan.calendarPeriod {
            return max(period.nextDue(after: s.state.baselineAt, in: options.localDays), s.state.regimeSince + s.plan.deadlineMs)
        }
        let interval = s.state.regime == .onDemand ? (s.plan.calendarCapMs ?? s.plan.fixedIntervalMs) : s.plan.fixedIntervalMs
        return max(s.state.baselineAt + interval, s.state.regimeSince + s.plan.deadlineMs)
    }

    /// Calendar triggers fire one deadline before the calendar limit, so the firm has the
    /// deadline to do the work; a due maintenance past its date becomes overdue, once.
    func checkCalendar(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        if let due = s.state.due {
            guard !due.overdue, now >= due.dueBy else { return }
            s.state.due!.overdue = true
            emit(s, .maintenanceOverdue, key: "overdue:\(s.entry.num):\(s.state.record)", trigger: due.trigger,
                 reason: "maintenance due by \(options.localDays.format(due.dueBy)) not reported done (\(due.reason))",
                 dueBy: due.dueBy, now: now, stale: true, detail: detail(s), into: &out)
            out.riskInputsChanged.append(s.entry.num)
            markDirty(s, s.entry.index, important: true)
            return
        }
        let dueBy = calendarDueBy(s)
        guard now >= dueBy - s.plan.deadlineMs else { return }
        let reason = s.state.regime == .onDemand
            ? "on-demand regime: " + onDemandCalendar(s.plan) + " since \(options.localDays.format(s.state.baselineAt))"
            : "fixed regime: maintenance every \(Interval(milliseconds: s.plan.fixedIntervalMs)); cycle began \(options.localDays.format(s.state.baselineAt))"
        fire(s, trigger: "calendar", reason: reason, dueBy: dueBy, now: now, into: &out)
    }

    /// The on-demand regime's calendar limit, in words.
    func onDemandCalendar(_ plan: TypePlan) -> String {
        if let period = plan.calendarPeriod { return "once in every calendar \(period.rawValue.replacingOccurrences(of: "_", with: " "))" }
        return "calendar cap of \(Interval(milliseconds: plan.calendarCapMs ?? 0))"
    }

    /// Item tiers (TSG T5002-2017): each must be done within its interval (fixed regime) or
    /// within every calendar period (on-demand). A `maintenance_due` notice goes out one
    /// deadline before its date, a `maintenance_overdue` one at the date, each once per due
    /// date; the trigger `tier:{name}` lets a completion close only the tiers it covered.
    func checkTiers(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        for tier in s.plan.tiers {
            let name = tier.name.rawValue
            var t = s.state.tiers?[name] ?? TierState(doneAt: s.state.baselineAt)
            let due = s.state.regime == .onDemand ? tier.period.nextDue(after: t.doneAt, in: options.localDays) : t.doneAt + tier.fixedMs
            if t.due != due { t.due = due; t.notified = false; t.overdue = false }
            // Words and figures are built only for a notice: this runs on every tick.
            func rule() -> String {
                s.state.regime == .onDemand
                    ? "on-demand: once in every calendar \(tier.period.rawValue.replacingOccurrences(of: "_", with: " "))"
                    : "fixed regime: every \(Interval(milliseconds: tier.fixedMs))"
            }
            func detail() -> String {
                var w = JSONWriter()
                w.add("tier", .string(name))
                w.add("last_done", .string(Timestamp.format(t.doneAt)))
                w.add("regime", .string(s.state.regime.rawValue))
                return w.finish()
            }
            if !t.notified, now >= due - s.plan.deadlineMs {
                t.notified = true
                emit(s, .maintenanceDue, key: "tier:\(s.entry.num):\(name):\(due)", trigger: "tier:\(name)",
                     reason: "\(name) items (TSG T5002-2017) due by \(options.localDays.format(due)): \(rule()); last done \(options.localDays.format(t.doneAt))",
                     dueBy: due, now: now, stale: false, detail: detail(), into: &out)
            }
            if !t.overdue, now >= due {
                t.overdue = true
                emit(s, .maintenanceOverdue, key: "tier_overdue:\(s.entry.num):\(name):\(due)", trigger: "tier:\(name)",
                     reason: "\(name) items (TSG T5002-2017) due by \(options.localDays.format(due)) not reported done (\(rule()))",
                     dueBy: due, now: now, stale: false, detail: detail(), into: &out)
            }
            if s.state.tiers?[name] != t {
                s.state.tiers = (s.state.tiers ?? [:]).merging([name: t]) { _, new in new }
                markDirty(s, s.entry.index, important: true)
            }
        }
    }

    /// Usage triggers of the on-demand regime: any counter whose use since the cycle began
    /// reached its threshold.
    func checkUsage(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        for c in s.plan.counters {
            guard let threshold = c.threshold, let used = s.state.counters[c.name]?.used, used >= threshold else { continue }
            fire(s, trigger: c.name, reason: "\(c.name): \(formatNumber(used)) since \(options.localDays.format(s.state.baselineAt)) (threshold \(formatNumber(threshold)))",
                 dueBy: min(now + s.plan.deadlineMs, calendarDueBy(s)), now: now, into: &out)
            return
        }
    }

    /// Repeated faults make maintenance due in either regime: they are a condition of the
    /// device, not an allowance for use.
    func recordFault(_ s: Slot, _ f: TypePlan.Faults, ts: Int64, now: Int64, into out: inout PlannerOutput) {
        s.state.faults.append(ts)
        s.state.faults.removeAll { $0 <= ts - f.windowMs }
        if s.state.faults.count > f.count { s.state.faults.removeFirst(s.state.faults.count - f.count) }
        guard s.state.due == nil, s.state.faults.count >= f.count else { return }
        fire(s, trigger: "faults", reason: "\(s.state.faults.count) faults (\(f.codes.sorted().joined(separator: ", "))) within \(Interval(milliseconds: f.windowMs))",
             dueBy: min(now + s.plan.deadlineMs, calendarDueBy(s)), now: now, into: &out)
        s.state.faults.removeAll()
    }

    /// Maintenance is due: once per cycle (the key names the cycle by its maintenance record).
    func fire(_ s: Slot, trigger: String, reason: String, dueBy: Int64, now: Int64, into out: inout PlannerOutput) {
        s.state.due = PlanState.Due(trigger: trigger, reason: reason, at: now, dueBy: dueBy, overdue: false)
        emit(s, .maintenanceDue, key: "due:\(s.entry.num):\(s.state.record)", trigger: trigger, reason: reason,
             dueBy: dueBy, now: now, stale: true, detail: detail(s), into: &out)
        markDirty(s, s.entry.index, important: true)
    }

    func emit(_ s: Slot, _ kind: NoticeKind, key: String, trigger: String, reason: String, dueBy: Int64?, now: Int64,
              stale: Bool, detail: String, hazard: HazardStart? = nil, into out: inout PlannerOutput) {
        out.notices.append(NoticeDraft(
            key: key, deviceNum: s.entry.num, device: s.entry.id, type: s.plan.type, firm: s.entry.firm, kind: kind,
            trigger: trigger, reason: reason, dueBy: dueBy, createdAt: now, staleAfterRecord: stale ? s.state.record : nil,
            detail: detail, hazard: hazard))
    }

    /// The figures behind a maintenance notice: regime, cycle start, usage against thresholds.
    func detail(_ s: Slot) -> String {
        var w = JSONWriter()
        w.add("regime", .string(s.state.regime.rawValue))
        w.add("cycle_began", .string(Timestamp.format(s.state.baselineAt)))
        var usage = JSONWriter()
        for c in s.plan.counters {
            guard let state = s.state.counters[c.name] else { continue }
            var one = JSONWriter()
            one.add("used", .number(state.used))
            one.add("value", .number(state.last))
            if let t = c.threshold { one.add("threshold", .number(t)) }
            usage.add(c.name, raw: one.finish())
        }
        w.add("usage", raw: usage.finish())
        return w.finish()
    }
}
