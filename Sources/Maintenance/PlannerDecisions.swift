import DeviceCatalog
import Ingest

/// The planner's decisions: which regime applies, when maintenance falls due, when it is
/// overdue. Each decision is a notice with a key that makes it once-only.
extension MaintenancePlanner {
    /// Why a device may not be on the on-demand regime now (empty: it may), SPEC §11:
    /// valid inspection, healthy monitoring within the window, eligible firm.
    func eligibilityProblems(_ s: Slot, now: Int64) -> [String] {
        var problems: [String] = []
        if now >= s.inspectionValidUntil { problems.append(s.inspectionProblem) }
        guard let e = s.plan.eligibility else { return problems }
        if let grades = e.firmGrades, !grades.contains(s.firmGrade ?? "") {
            problems.append("firm \(s.entry.firm) is graded \(s.firmGrade ?? "(none)"); on-demand needs \(grades.sorted().joined(separator: " or "))")
        }
        let since = max(s.state.lastSeen ?? options.startedAt, options.startedAt)
        if now - since > e.maxSilenceMs {
            problems.append("no data since \(Timestamp.format(since)) (limit \(Interval(milliseconds: e.maxSilenceMs)))")
        }
        if let back = s.state.lastGapEndedAt, now - back < e.windowMs {
            problems.append("monitoring was interrupted until \(Timestamp.format(back)), within the last \(Interval(milliseconds: e.windowMs))")
        }
        return problems
    }

    /// The same test as `eligibilityProblems` without building its text: the clock asks it of
    /// every device on every tick.
    func isEligible(_ s: Slot, now: Int64) -> Bool {
        if now >= s.inspectionValidUntil { return false }
        guard let e = s.plan.eligibility else { return true }
        if let grades = e.firmGrades, !grades.contains(s.firmGrade ?? "") { return false }
        if now - max(s.state.lastSeen ?? options.startedAt, options.startedAt) > e.maxSilenceMs { return false }
        if let back = s.state.lastGapEndedAt, now - back < e.windowMs { return false }
        return true
    }

    func checkRegime(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        guard s.plan.hasOnDemand else { return }
        let regime: Regime = isEligible(s, now: now) ? .onDemand : .fixed
        guard regime != s.state.regime else { return }
        let problems = eligibilityProblems(s, now: now)
        s.state.regime = regime
        s.state.regimeSince = now
        s.state.regimeChanges += 1
        let reason = regime == .fixed
            ? "on-demand eligibility lapsed, fixed regime (every \(Interval(milliseconds: s.plan.fixedIntervalMs))) applies: " + problems.joined(separator: "; ")
            : "eligible for on-demand maintenance again (calendar cap \(Interval(milliseconds: s.plan.calendarCapMs ?? 0)) plus usage triggers)"
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
                 reason: "maintenance due by \(Timestamp.format(due.dueBy)) not reported done (\(due.reason))",
                 dueBy: due.dueBy, now: now, stale: true, detail: detail(s), into: &out)
            out.riskInputsChanged.append(s.entry.num)
            markDirty(s, s.entry.index, important: true)
            return
        }
        let dueBy = calendarDueBy(s)
        guard now >= dueBy - s.plan.deadlineMs else { return }
        let reason = s.state.regime == .onDemand
            ? "on-demand regime: calendar cap of \(Interval(milliseconds: s.plan.calendarCapMs ?? 0)) since \(Timestamp.format(s.state.baselineAt))"
            : "fixed regime: maintenance every \(Interval(milliseconds: s.plan.fixedIntervalMs)); cycle began \(Timestamp.format(s.state.baselineAt))"
        fire(s, trigger: "calendar", reason: reason, dueBy: dueBy, now: now, into: &out)
    }

    /// Usage triggers of the on-demand regime: any counter whose use since the cycle began
    /// reached its threshold.
    func checkUsage(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        for c in s.plan.counters {
            guard let threshold = c.threshold, let used = s.state.counters[c.name]?.used, used >= threshold else { continue }
            fire(s, trigger: c.name, reason: "\(c.name): \(formatNumber(used)) since \(Timestamp.format(s.state.baselineAt)) (threshold \(formatNumber(threshold)))",
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
              stale: Bool, detail: String, into out: inout PlannerOutput) {
        out.notices.append(NoticeDraft(
            key: key, deviceNum: s.entry.num, device: s.entry.id, type: s.plan.type, firm: s.entry.firm, kind: kind,
            trigger: trigger, reason: reason, dueBy: dueBy, createdAt: now, staleAfterRecord: stale ? s.state.record : nil,
            detail: detail))
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
