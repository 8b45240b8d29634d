import Domain
import DeviceCatalog
import Ingest

/// The alarm lifecycle (SPEC §5), per rule and per family:
///
/// - a rule is `idle` → `pending` while `when` holds and `for` has not elapsed → `firing`; it
///   returns to `idle` when its clear condition (`clear_when`, else `not when`) has held for
///   `clear_for`, so a value hovering around a threshold gives one alarm, not a storm;
/// - a family (rules sharing `family`, by default just the rule) has at most one open alarm per
///   device. It fires when any member fires, takes the highest severity among firing members
///   (escalation only moves up), counts further occurrences as repeats, and resolves when no
///   member fires any more.
///
/// Transition times are exact in event time: an alarm whose `for` elapsed between two clock
/// ticks records `fired_at = since + for`, not the tick's time.
extension RuleEngine {
    /// Evaluates the device's rules (on the clock: only timed and non-idle ones). Returns whether
    /// anything changed that must be persisted.
    func evaluateRules(_ s: DeviceRuleState, onlyTimed: Bool, into out: inout RuleOutput) -> Bool {
        let program = s.program
        var changed = false
        // Every condition first, in one program run (the clock: the time-dependent ones);
        // conditions are pure, so the lifecycle below cannot change what they say.
        let truths = truthScratch(program.rules.count)
        (onlyTimed ? program.timedWhens : program.whens).run(s, into: truths)
        // The rules' timings by value: the rule itself (a class) is touched only when one must
        // be evaluated alone or changes phase, not retained and released for each rule.
        for i in program.rules.indices {
            let r = program.timings[i]
            var p = s.phases[i]
            if onlyTimed, p.phase == .idle, !r.timeDependent { continue }
            // On the clock a rule that is not time-dependent but not idle either is evaluated alone.
            let truth = onlyTimed && !r.timeDependent ? program.rules[i].when.truth(s) : Truth.tri(truths[i])
            let holds = truth == .yes
            let before = p
            switch p.phase {
            case .idle:
                if holds {
                    // An event that arrived late starts its event rule at its own time.
                    p.since = r.usesEvent && s.lateEventAt != .min ? min(s.lateEventAt, s.now) : s.now
                    p.clearSince = nil
                    p.phase = r.forMs == 0 ? .firing : .pending
                }
            case .pending:
                if !holds {
                    p.phase = .idle
                } else if s.now - p.since >= r.forMs {
                    p.phase = .firing
                }
            case .firing:
                let clear = r.hasClear ? program.rules[i].clear!.truth(s) == .yes : truth == .no
                if clear {
                    let since = p.clearSince ?? s.now
                    p.clearSince = since
                    if s.now - since >= r.clearForMs { p.phase = .idle }
                } else {
                    p.clearSince = nil
                    let occurrence = holds && (!p.held || (s.onMessage && r.usesEvent && !s.event.isNaN))
                    if occurrence { repeated(s, family: r.family, at: s.now, into: &out) }
                }
            }
            p.held = holds
            guard p != before else { continue }
            changed = true
            s.phases[i] = p
            if (before.phase == .idle) != (p.phase == .idle) { s.active += p.phase == .idle ? -1 : 1 }
            if p.phase != before.phase {
                let at: Int64 = switch (before.phase, p.phase) {
                case (.idle, .firing): p.since
                case (.pending, .firing): p.since + r.forMs
                case (.firing, .idle): (p.clearSince ?? s.now) + r.clearForMs
                default: s.now
                }
                refreshFamily(s, r.family, at: at, into: &out)
            }
        }
        return changed
    }

    private func repeated(_ s: DeviceRuleState, family f: Int, at: Int64, into out: inout RuleOutput) {
        guard var a = s[alarm: f], a.state == .firing else { return }
        a.repeats += 1
        a.lastAt = at
        s[alarm: f] = a
        out.alarms.append(AlarmChange(alarm: a, transition: .repeated, opensIncident: false))
    }

    /// Brings the family's alarm in line with its members' phases.
    private func refreshFamily(_ s: DeviceRuleState, _ f: Int, at: Int64, into out: inout RuleOutput) {
        let program = s.program
        var top: Int?
        var pending: Int?
        for m in program.membersOfFamily[f] {
            switch s.phases[m].phase {
            case .firing:
                if top.map({ program.rules[m].spec.severity > program.rules[$0].spec.severity }) ?? true { top = m }
            case .pending:
                if pending == nil { pending = m }
            case .idle:
                break
            }
        }
        guard var a = s[alarm: f] else {
            if let top {
                open(s, f, rule: top, state: .firing, at: at, into: &out)
            } else if let pending {
                open(s, f, rule: pending, state: .pending, at: at, into: &out)
            }
            return
        }
        switch a.state {
        case .pending:
            if let top {
                describe(&a, s, rule: top)
                a.state = .firing
                a.firedAt = at
                a.lastAt = at
                let opens = openIncidentIfNeeded(&a, s, f)
                s[alarm: f] = a
                out.alarms.append(AlarmChange(alarm: a, transition: .raised, opensIncident: opens))
            } else if pending == nil {
                s[alarm: f] = nil
                out.alarms.append(AlarmChange(alarm: a, transition: .cancelled, opensIncident: false))
            }
        case .firing:
            if let top {
                guard program.rules[top].spec.severity > a.severity else { return }
                describe(&a, s, rule: top)
                a.lastAt = at
                let opens = openIncidentIfNeeded(&a, s, f)
                s[alarm: f] = a
                out.alarms.append(AlarmChange(alarm: a, transition: .escalated, opensIncident: opens))
            } else {
                a.state = .resolved
                a.resolvedAt = at
                s[alarm: f] = nil
                out.alarms.append(AlarmChange(alarm: a, transition: .resolved, opensIncident: false))
                if let pending { open(s, f, rule: pending, state: .pending, at: at, into: &out) }
            }
        case .resolved:
            s[alarm: f] = nil
        }
    }

    private func open(_ s: DeviceRuleState, _ f: Int, rule: Int, state: Alarm.State, at: Int64, into out: inout RuleOutput) {
        let r = s.program.rules[rule]
        var a = Alarm(id: nextAlarmId, deviceNum: s.num, device: s.device.id, type: s.program.type.id, site: s.device.site,
                      firm: s.device.firm, rule: r.id, family: s.program.families[f], pack: r.packHash, severity: r.spec.severity,
                      state: state, startedAt: s.phases[rule].since, firedAt: state == .firing ? at : nil, resolvedAt: nil,
                      repeats: 0, lastAt: at, message: "", inputs: "{}", incidentId: nil)
        nextAlarmId += 1
        describe(&a, s, rule: rule)
        let opens = state == .firing && openIncidentIfNeeded(&a, s, f)
        s[alarm: f] = a
        out.alarms.append(AlarmChange(alarm: a, transition: state == .firing ? .raised : .pending, opensIncident: opens))
    }

    /// Sets the alarm's rule, severity, message and the input values as they are now.
    private func describe(_ a: inout Alarm, _ s: DeviceRuleState, rule: Int) {
        let r = s.program.rules[rule]
        a.rule = r.id
        a.pack = r.packHash
        a.severity = max(a.severity, r.spec.severity)
        a.message = r.message.render(s)
        a.messageZh = r.messageZh?.render(s)
        if r.usesEvent, s.onMessage, s.lateEventAt != .min {
            let seconds = formatRounded(Double(s.now - s.lateEventAt) / 1000)
            a.message += " (arrived late: stamped \(seconds) s before the device's newest reading)"
            a.messageZh = a.messageZh.map { $0 + "（迟到送达：时间戳早于该设备最新读数 \(seconds) 秒）" }
        }
        var w = JSONWriter()
        for (name, c) in r.inputs {
            if let v = c.value(s) { w.add(name, v) } else { w.add(name, raw: "null") }
        }
        a.inputs = w.finish()
    }

    /// Opens an incident when a firing member of the family asks for one and none is open yet.
    private func openIncidentIfNeeded(_ a: inout Alarm, _ s: DeviceRuleState, _ f: Int) -> Bool {
        guard a.incidentId == nil else { return false }
        let wants = s.program.membersOfFamily[f].contains { s.phases[$0].phase == .firing && s.program.rules[$0].spec.incident }
        guard wants else { return false }
        a.incidentId = nextIncidentId
        nextIncidentId += 1
        return true
    }
}
