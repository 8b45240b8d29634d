import DeviceCatalog
import Domain
import Foundation
import Ingest
import Inspection
import Logging
import Maintenance
import Records
import Services
import Storage
import Synchronization

/// Gives the inspection regime its teeth in a running pipeline (SPEC §12), on its own thread:
/// every `check_every` (Devices/inspection_plan.yaml) it
/// - notices inspection records written by any process (`inspections record`, the API) and major
///   hazards raised or cleared, and hands the pipeline a registry snapshot with them, so on-demand
///   eligibility and risk read them;
/// - keeps each device's must-not-use status (overdue, failed, safety grade 5): a change is
///   stored with an `inspection_overdue` notice to the firm and the owner and a `device` event
///   on the supervisors' stream, and wakes risk grading;
/// - sends `inspection_due` reminders `reminder_lead_days` ahead, once per (device, kind, due
///   date): the notice's key makes that hold across restarts.
/// Rescue deadlines are watched by `RescueWatch` on the same thread.
public final class ComplianceService: Sendable {
    /// What a compliance round tells the rest of the engine: a new registry snapshot, devices whose
    /// status changed.
    public struct Hooks: Sendable {
        /// Inspection records changed: a fresh registry snapshot for the pipeline.
        var registryChanged: @Sendable (DeviceDirectory) -> Void = { _ in }
        /// These devices' must-not-use status changed (a risk input).
        public var statusChanged: @Sendable ([Int64]) -> Void = { _ in }
        public init() {}
    }

    /// What one check did, for logs and tests.
    public struct Round: Sendable, Equatable {
        public var mustNotUse = 0
        public var set: [String] = []
        public var cleared: [String] = []
        public var reminders: [String] = []
        public var escalated: [Int64] = []
        /// Accidents proposed for passengers held too long.
        public var accidentsProposed: [Int64] = []
        /// Evidence rows sealed into the chain.
        public var sealed = 0
        /// Certificate and insurance expiry reminders sent.
        public var peopleReminders = 0
        /// Notices of missing routine records sent to owners.
        public var routineMissing = 0
    }

    private struct State {
        var types: [String: DeviceType]
        var policy: PlanPolicy
        /// The inspection records and hazards the pipeline's registry snapshot includes.
        var revision: String?
        /// Reminder keys in the lead window already stored (the store's key makes them once-only
        /// anyway); only the window's, so the set stays the size of one window.
        var reminded: Set<String> = []
        var lastCheck: Int64?
        /// The day of the last round (the evidence chain's head is logged when it changes).
        var headDay: Day?
    }

    private let store: any Store
    private let topics: Topics
    private let clock: PipelineClock
    private let logger: Logger
    private let hooks: Hooks
    private let rescues: RescueWatch
    private let accidents: Mutex<AccidentWatch?>
    private let state: Mutex<State>
    private let thread: PeriodicThread

    /// Rescue deadlines are checked this often; the inspection checks every `policy.checkEveryMs`.
    static let rescueCheckMs: Int64 = 5000

    /// `accidents`: the accident policy (Rules/accidents.yaml) whose holding cases propose
    /// accident records on the rescue clock's rounds (nil: none proposed).
    public init(store: any Store, types: [String: DeviceType], policy: PlanPolicy, accidents: AccidentPolicy? = nil, topics: Topics,
                clock: PipelineClock, logger: Logger, hooks: Hooks = Hooks()) {
        (self.store, self.topics, self.clock, self.logger, self.hooks) = (store, topics, clock, logger, hooks)
        rescues = RescueWatch(store: store, topics: topics)
        self.accidents = Mutex(accidents.map { AccidentWatch(store: store, topics: topics, policy: $0) })
        // The registry the pipeline starts with was read just before: records written after this
        // point are new to it.
        state = Mutex(State(types: types, policy: policy, revision: try? store.directoryRevision()))
        thread = PeriodicThread(name: "compliance", everyMs: min(policy.checkEveryMs, Self.rescueCheckMs))
    }

    /// Starts the compliance thread: a round now, then every `inspections.check_every`.
    public func start() {
        thread.start { [self] in
            do { _ = try check(now: clock.now()) } catch {
                logger.error("compliance check failed; retried at the next round", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops the thread after its current round.
    public func stop() { thread.stop() }

    /// A reloaded accident policy (SIGHUP): the next round proposes by it.
    public func reload(accidents policy: AccidentPolicy) {
        accidents.withLock { $0 = AccidentWatch(store: store, topics: topics, policy: policy) }
    }

    /// New types (a registry reload): checked again at once.
    public func reload(types: [DeviceType]) {
        state.withLock { $0.types = Dictionary(types.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }); $0.lastCheck = nil }
        thread.wake()
    }

    /// One round at `now`: rescue deadlines always, inspections when `check_every` has passed
    /// (or `force`). Tests call it with their own clock.
    @discardableResult
    public func check(now: Int64, force: Bool = false) throws -> Round {
        var round = Round()
        round.escalated = try rescues.escalate(now: now)
        for id in round.escalated { logger.warning("rescue deadline missed: escalated", metadata: ["alarm": "\(id)"]) }
        round.accidentsProposed = try accidents.withLock { $0 }?.propose(now: now) ?? []
        for id in round.accidentsProposed { logger.error("passengers held past the accident limit: accident proposed", metadata: ["accident": "\(id)"]) }
        let (types, policy, due) = state.withLock { s in
            (s.types, s.policy, force || s.lastCheck.map { now - $0 >= s.policy.checkEveryMs } ?? true)
        }
        guard due else { return round }
        try checkInspections(now: now, types: types, policy: policy, into: &round)
        // Certificates and policies near their end: the employer and the insured owner are told once.
        round.peopleReminders = try PeopleReminders.send(store, now: now, policy: policy, topics: topics)
        // Owners' daily, weekly and monthly records (SAMR Order 74) missing for the period just ended.
        round.routineMissing = try RoutineReminders.send(store, now: now, topics: topics)
        // New timeline entries, evidence and accident versions join the evidence chain.
        round.sealed = try EvidenceAudit.seal(store, now: now)
        let day = store.localDays.day(now)
        if state.withLock({ s in defer { s.headDay = day }; return s.headDay != nil && s.headDay != day }),
           let head = try store.auditHeads().last(where: { $0.day != day.description }) {
            // Yesterday's head, once a day, in the log: a copy outside the store that anchors the chain.
            logger.notice("evidence chain head", metadata: ["day": "\(head.day)", "seq": "\(head.seq)", "hash": "\(head.hash)"])
        }
        state.withLock { $0.lastCheck = now }
        return round
    }

    private func checkInspections(now: Int64, types: [String: DeviceType], policy: PlanPolicy, into round: inout Round) throws {
        let revision = try store.directoryRevision()
        if let last = state.withLock({ $0.revision }), last != revision {
            hooks.registryChanged(try store.loadDirectory(types: types))
        }
        let days = store.localDays
        let today = days.day(now)
        let current = try store.mustNotUseKeys()
        let reminded = state.withLock { $0.reminded }
        var changes: [ComplianceChange] = []
        var reminders: [NoticeDraft] = []
        var window: Set<String> = []
        // Owners of the devices that get a notice (its copy goes to the owner's topic).
        var owners: [Int64: String] = [:]
        var mustNotUse = 0, set: [String] = [], cleared: [String] = []
        // One device at a time: the whole registry as records is hundreds of MB at 100 k devices.
        try store.forEachRegisteredDevice { num, d in
            guard let type = types[d.type] else { return }
            let dues = InspectionCalendar.dueDates(of: d, type: type)
            let reason = Compliance.mustNotUse(dues: dues, failed: d.failedInspections, grade: d.inspectionGrade, today: today,
                                               hazards: d.openHazards)
            if reason != nil { mustNotUse += 1 }
            if reason?.key != current[num] {
                changes.append(ComplianceMessages.change(num: num, device: d, type: type, reason: reason, at: now))
                owners[num] = d.owner
                if reason != nil { set.append(d.id) } else { cleared.append(d.id) }
            }
            for r in Compliance.reminders(dues: dues, today: today, leadDays: policy.reminderLeadDays) {
                let key = r.key(device: d.id)
                window.insert(key)
                guard !reminded.contains(key) else { continue }
                reminders.append(ComplianceMessages.reminder(r, num: num, device: d, type: type, leadDays: policy.reminderLeadDays, at: now, days: days))
                owners[num] = d.owner
            }
        }
        round.mustNotUse += mustNotUse
        round.set += set
        round.cleared += cleared
        let topics = topics
        let ownerOf = owners
        let inserted = try store.record(
            compliance: changes, reminders: reminders,
            noticeMessage: { id, n in NoticeFeed.message(id: id, n, topics: topics) },
            ownerMessage: { id, n in ownerOf[n.deviceNum].map { NoticeFeed.ownerMessage(id: id, n, owner: $0, topics: topics) } })
        round.reminders = inserted.filter { $0.hasPrefix("inspection_due:") }
        state.withLock { s in
            s.revision = revision
            s.reminded = window
        }
        if !changes.isEmpty {
            hooks.statusChanged(changes.map(\.deviceNum))
            logger.notice("must-not-use status changed", metadata: ["set": "\(round.set.count)", "cleared": "\(round.cleared.count)",
                                                                    "must_not_use": "\(round.mustNotUse)"])
        }
        if !round.reminders.isEmpty { logger.info("inspection reminders sent", metadata: ["count": "\(round.reminders.count)"]) }
    }
}
