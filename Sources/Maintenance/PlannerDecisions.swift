import Foundation
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
        static let uninsured = Ineligibility(rawValue: 16)
    }

    func ineligibility(_ s: Slot, now: Int64) -> Ineligibility {
        var failed: Ineligibility = []
        if now >= s.inspectionValidUntil { failed.insert(.inspection) }
        guard let e = s.plan.eligibility else { return failed }
        if let grades = e.firmGrades, !grades.contains(s.firmGrade ?? "") { failed.insert(.firm) }
        if now - silentSince(s) > e.maxSilenceMs { failed.insert(.silent) }
        if let back = s.state.lastGapEndedAt, now - back < e.windowMs { failed.insert(.recentGap) }
        if e.requiresInsurance, !isInsured(s.entry, now: now) { failed.insert(.uninsured) }
        return failed
    }

    /// A policy covers the device's local day at `now`.
    func isInsured(_ entry: DirectoryEntry, now: Int64) -> Bool {
        guard !entry.insured.isEmpty else { return false }
        let today = options.localDays.day(now)
        return entry.insured.contains { $0.contains(today) }
    }

    /// Silence is counted from the later of the last message, the planner's start and the end
    /// of the pipeline's own outage (`hearingFrom`; `.max` during it: no silence at all).
    func silentSince(_ s: Slot) -> Int64 { max(s.state.lastSeen ?? options.startedAt, options.startedAt, hearingFrom) }

    func describe(_ failed: Ineligibility, _ s: Slot) -> [Wording] {
        var out: [Wording] = []
        if failed.contains(.inspection) { out.append(s.inspectionProblem) }
        guard let e = s.plan.eligibility else { return out }
        if failed.contains(.firm) {
            let needs = (e.firmGrades ?? []).sorted()
            out.append(Wording(
                en: "firm \(s.entry.firm) is graded \(s.firmGrade ?? "(none)"); on-demand needs \(needs.joined(separator: " or "))",
                zh: "维保单位 \(s.entry.firm) 的等级为 \(s.firmGrade ?? "（无）")；按需维保要求 \(needs.joined(separator: " 或 "))"))
        }
        if failed.contains(.silent) {
            let since = options.localDays.format(silentSince(s)), limit = Interval(milliseconds: e.maxSilenceMs)
            out.append(Wording(en: "no data since \(since) (limit \(limit))", zh: "自 \(since) 起无数据（上限 \(limit.chinese)）"))
        }
        if failed.contains(.uninsured) {
            let today = options.localDays.day(options.startedAt)
            if let last = s.entry.insured.last(where: { $0.upperBound < today }) ?? s.entry.insured.last {
                out.append(Wording(en: "no liability insurance policy in force (the last cover ran \(last.lowerBound) to \(last.upperBound))",
                                   zh: "无有效的安全责任保险（最近一份保单保障期 \(last.lowerBound) 至 \(last.upperBound)）"))
            } else {
                out.append(Wording(en: "no liability insurance policy on record", zh: "未登记安全责任保险"))
            }
        }
        if failed.contains(.recentGap), let back = s.state.lastGapEndedAt {
            let until = options.localDays.format(back), window = Interval(milliseconds: e.windowMs)
            out.append(Wording(en: "monitoring was interrupted until \(until), within the last \(window)",
                               zh: "最近 \(window.chinese) 内监测曾中断，至 \(until) 恢复"))
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
        let every = Interval(milliseconds: s.plan.fixedIntervalMs)
        let reason = regime == .fixed
            ? Prose(.regimeFixed, [("every", every.description)],
                    en: "on-demand eligibility lapsed, fixed regime (every \(every)) applies: " + problems.map(\.en).joined(separator: "; "),
                    zh: "不再符合按需维保条件，改按固定周期（每 \(every.chinese)）维保：" + problems.map(\.zh).joined(separator: "；"))
            : Prose(.regimeOnDemand, en: "eligible for on-demand maintenance again (" + onDemandCalendar(s.plan).en + " plus usage triggers)",
                    zh: "重新符合按需维保条件（" + onDemandCalendar(s.plan).zh + "，另加使用量触发）")
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
                 reason: Prose(.maintenanceOverdue, [("due_by", options.localDays.format(due.dueBy)), ("trigger", due.trigger)],
                               en: "maintenance due by \(options.localDays.format(due.dueBy)) not reported done (\(due.reason))",
                               zh: "维保应于 \(options.localDays.format(due.dueBy)) 前完成，未上报完成（\(due.reasonZh ?? due.reason)）"),
                 dueBy: due.dueBy, now: now, stale: true, detail: detail(s), into: &out)
            out.riskInputsChanged.append(s.entry.num)
            markDirty(s, s.entry.index, important: true)
            return
        }
        let dueBy = calendarDueBy(s)
        guard now >= dueBy - s.plan.deadlineMs else { return }
        let began = options.localDays.format(s.state.baselineAt), every = Interval(milliseconds: s.plan.fixedIntervalMs)
        let reason = s.state.regime == .onDemand
            ? Prose(.maintenanceCalendar, [("regime", "on_demand"), ("cycle_began", began)],
                    en: "on-demand regime: " + onDemandCalendar(s.plan).en + " since \(began)",
                    zh: "按需维保：" + onDemandCalendar(s.plan).zh + "，本周期自 \(began) 起")
            : Prose(.maintenanceCalendar, [("regime", "fixed"), ("every", every.description), ("cycle_began", began)],
                    en: "fixed regime: maintenance every \(every); cycle began \(began)",
                    zh: "固定周期：每 \(every.chinese)维保一次；本周期自 \(began) 起")
        fire(s, trigger: "calendar", reason: reason, dueBy: dueBy, now: now, into: &out)
    }

    /// The on-demand regime's calendar limit, in words.
    func onDemandCalendar(_ plan: TypePlan) -> Wording {
        if let period = plan.calendarPeriod {
            return Wording(en: "once in every calendar \(period.rawValue.replacingOccurrences(of: "_", with: " "))",
                           zh: "每个自然\(period.chinese)至少一次")
        }
        let cap = Interval(milliseconds: plan.calendarCapMs ?? 0)
        return Wording(en: "calendar cap of \(cap)", zh: "最长间隔 \(cap.chinese)")
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
            func rule() -> Wording {
                s.state.regime == .onDemand
                    ? Wording(en: "on-demand: once in every calendar \(tier.period.rawValue.replacingOccurrences(of: "_", with: " "))",
                              zh: "按需：每个自然\(tier.period.chinese)一次")
                    : Wording(en: "fixed regime: every \(Interval(milliseconds: tier.fixedMs))",
                              zh: "固定周期：每 \(Interval(milliseconds: tier.fixedMs).chinese)")
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
                     reason: Prose(.tierDue, [("tier", name), ("due_by", options.localDays.format(due)), ("last_done", options.localDays.format(t.doneAt))],
                                   en: "\(name) items (TSG T5002-2017) due by \(options.localDays.format(due)): \(rule().en); last done \(options.localDays.format(t.doneAt))",
                                   zh: "\(tier.name.chinese)项目（TSG T5002-2017）应于 \(options.localDays.format(due)) 前完成：\(rule().zh)；上次完成 \(options.localDays.format(t.doneAt))"),
                     dueBy: due, now: now, stale: false, detail: detail(), into: &out)
            }
            if !t.overdue, now >= due {
                t.overdue = true
                emit(s, .maintenanceOverdue, key: "tier_overdue:\(s.entry.num):\(name):\(due)", trigger: "tier:\(name)",
                     reason: Prose(.tierOverdue, [("tier", name), ("due_by", options.localDays.format(due))],
                                   en: "\(name) items (TSG T5002-2017) due by \(options.localDays.format(due)) not reported done (\(rule().en))",
                                   zh: "\(tier.name.chinese)项目（TSG T5002-2017）应于 \(options.localDays.format(due)) 前完成，未上报完成（\(rule().zh)）"),
                     dueBy: due, now: now, stale: false, detail: detail(), into: &out)
            }
            if s.state.tiers?[name] != t {
                var tiers = s.state.tiers ?? NamedValues()
                tiers[name] = t
                s.state.tiers = tiers
                markDirty(s, s.entry.index, important: true)
            }
        }
    }

    /// Usage triggers of the on-demand regime: any counter whose use since the cycle began
    /// reached its threshold.
    func checkUsage(_ s: Slot, now: Int64, into out: inout PlannerOutput) {
        for c in s.plan.counters {
            guard let threshold = c.threshold, let used = s.state.counters[c.name]?.used, used >= threshold else { continue }
            let since = options.localDays.format(s.state.baselineAt)
            fire(s, trigger: c.name,
                 reason: Prose(.maintenanceUsage, [("counter", c.name), ("used", formatNumber(used)), ("since", since), ("threshold", formatNumber(threshold))],
                               en: "\(c.name): \(formatNumber(used)) since \(since) (threshold \(formatNumber(threshold)))",
                               zh: "\(c.name) 自 \(since) 起累计 \(formatNumber(used))（阈值 \(formatNumber(threshold))）"),
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
        let codes = f.codes.sorted().joined(separator: ", "), window = Interval(milliseconds: f.windowMs)
        fire(s, trigger: "faults",
             reason: Prose(.maintenanceFaults, [("faults", "\(s.state.faults.count)"), ("codes", codes), ("window", window.description)],
                           en: "\(s.state.faults.count) faults (\(codes)) within \(window)",
                           zh: "\(window.chinese)内发生 \(s.state.faults.count) 次故障（\(codes)）"),
             dueBy: min(now + s.plan.deadlineMs, calendarDueBy(s)), now: now, into: &out)
        s.state.faults.removeAll()
    }

    /// Maintenance is due: once per cycle (the key names the cycle by its maintenance record).
    func fire(_ s: Slot, trigger: String, reason: Prose, dueBy: Int64, now: Int64, into out: inout PlannerOutput) {
        s.state.due = PlanState.Due(trigger: trigger, reason: reason.en, reasonZh: reason.zh, at: now, dueBy: dueBy, overdue: false)
        emit(s, .maintenanceDue, key: "due:\(s.entry.num):\(s.state.record)", trigger: trigger, reason: reason,
             dueBy: dueBy, now: now, stale: true, detail: detail(s), into: &out)
        markDirty(s, s.entry.index, important: true)
    }

    func emit(_ s: Slot, _ kind: NoticeKind, key: String, trigger: String, reason: Prose, dueBy: Int64?, now: Int64,
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
