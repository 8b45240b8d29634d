import Domain
import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Logging
import Maintenance
import Risk
import Records
import Services
import Storage

/// Grades devices (SPEC §10) on its own thread, after the facts are committed: when an input
/// changed (an alarm fired or resolved, maintenance became overdue or was done, monitoring was
/// interrupted, the registry or the model was reloaded) and at least every `recompute` of the
/// model. Grading reads the store, so it never slows the ingest worker.
public final class RiskService: @unchecked Sendable {
    private let store: any Store
    private let topics: Topics
    private let clock: PipelineClock
    private let logger: Logger
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: Set<Int64> = []
    private var everything = true
    private var running = false
    private var model: RiskModel
    private var directory: DeviceDirectory
    private let finished = DispatchSemaphore(value: 0)
    // Confined to the service's thread.
    private var current: [Int64: (grade: Grade, computedAt: Int64)] = [:]
    /// The directory's entries by device number, built once per directory (not per round).
    private var entriesByNum: (directory: ObjectIdentifier, entries: [Int64: DirectoryEntry])?
    /// Full rounds in a row: a burst (the start-up pass, a fleet speaking or falling silent at
    /// once) is under way.
    private var fullRounds = 0
    /// Full rounds in a row after which the end of the burst hands freed memory back.
    static let burstRounds = 5

    /// Devices graded per round at most, so a daily sweep of a large fleet is spread out and a
    /// whole fleet speaking at once is graded in bounded rounds.
    public static let defaultRoundSize = 2000
    let roundSize: Int

    public init(store: any Store, model: RiskModel, directory: DeviceDirectory, topics: Topics, clock: PipelineClock, logger: Logger,
                roundSize: Int = RiskService.defaultRoundSize) {
        self.roundSize = max(1, roundSize)
        (self.store, self.model, self.directory, self.topics, self.clock) = (store, model, directory, topics, clock)
        self.logger = logger
    }

    /// Starts the grading thread (every device is graded at start).
    public func start() {
        condition.withLock { running = true }
        let t = Thread { [self] in
            loop()
            finished.signal()
        }
        t.name = "risk-grading"
        t.start()
    }

    /// Stops the thread after its current round.
    public func stop() {
        let wasRunning = condition.withLock {
            defer { running = false; condition.signal() }
            return running
        }
        if wasRunning { finished.wait() }
    }

    /// These devices' inputs changed: grade them soon.
    public func wake(_ devices: [Int64]) {
        guard !devices.isEmpty else { return }
        condition.withLock {
            pending.formUnion(devices)
            condition.signal()
        }
    }

    /// A new registry or model: every device is graded again.
    public func reload(directory: DeviceDirectory? = nil, model: RiskModel? = nil) {
        condition.withLock {
            if let directory { self.directory = directory }
            if let model { self.model = model }
            everything = true
            condition.signal()
        }
    }

    private func loop() {
        do { current = try store.currentRisk() } catch { logger.error("cannot read current grades", metadata: ["error": "\(error)"]) }
        var backlog: [Int64] = []
        // Devices whose inputs changed and that no round has taken yet.
        var waiting = Set<Int64>()
        while true {
            let (woken, all, model, directory, stop) = condition.withLock {
                if pending.isEmpty, !everything, backlog.isEmpty, waiting.isEmpty, running { _ = condition.wait(until: Date().addingTimeInterval(1)) }
                defer { pending.removeAll(); everything = false }
                return (pending, everything, self.model, self.directory, !running)
            }
            if stop { return }
            let now = clock.now()
            if all { backlog = directory.entries.map(\.num) }
            waiting.formUnion(woken)
            // At most `roundSize` a round, so one round's transaction, its transient memory and
            // the wait of a shutdown stay bounded when a whole fleet speaks at once (100 k
            // devices woke together in one round before). Changed inputs first, then the
            // backlog (a reload), then any device never graded or graded too long ago.
            var nums = Set<Int64>(minimumCapacity: roundSize)
            while nums.count < roundSize, let n = waiting.popFirst() { nums.insert(n) }
            while nums.count < roundSize, let n = backlog.popLast() { nums.insert(n) }
            for e in directory.entries where nums.count < roundSize {
                if let c = current[e.num], now - c.computedAt < model.recomputeMs { continue }
                nums.insert(e.num)
            }
            grade(nums, model: model, directory: directory, now: now)
            if nums.count >= roundSize {
                fullRounds += 1
            } else {
                // A burst of grades is over (the start-up pass, or thousands of devices that spoke
                // or fell silent together): the free heap it leaves goes back to the system.
                // 1–5 MB at 100 k devices (docs/design.md); never per round.
                if fullRounds >= Self.burstRounds { releaseFreedMemory() }
                fullRounds = 0
            }
        }
    }

    /// Grades `nums` and stores the results in one transaction.
    func grade(_ nums: Set<Int64>, model: RiskModel, directory: DeviceDirectory, now: Int64) {
        guard !nums.isEmpty else { return }
        var updates: [GradeWrite] = []
        if entriesByNum?.directory != ObjectIdentifier(directory) {
            entriesByNum = (ObjectIdentifier(directory), Dictionary(directory.entries.map { ($0.num, $0) }, uniquingKeysWith: { a, _ in a }))
        }
        let entries = entriesByNum?.entries ?? [:]
        let topics = topics
        let histories: [Int64: RiskHistory]
        do {
            histories = try store.riskHistories(nums.sorted(), alarmsSince: now - model.alarmWindowMs, gapsSince: now - model.gapWindowMs)
        } catch {
            logger.error("cannot read risk history; the devices are graded again at the next round", metadata: ["error": "\(error)"])
            condition.withLock { pending.formUnion(nums) }
            return
        }
        // Owners' missed routine records (SAMR Order 74), when the model counts them.
        var missed: [String: Int] = [:]
        if let days = model.routineWindowDays {
            do { missed = try store.routineMissed(windowDays: days, today: store.localDays.day(now)) }
            catch { logger.error("cannot read owners' routine records; graded without them this round", metadata: ["error": "\(error)"]) }
        }
        for num in nums.sorted() {
            guard let entry = entries[num] else { continue }
            let g = RiskGrading.grade(entry, directory: directory, model: model, history: histories[num] ?? RiskHistory(),
                                      today: store.localDays.day(now), now: now, routineMissed: missed[entry.owner] ?? 0)
            let previous = current[num]?.grade
            let type = directory.type(of: entry).id
            let turnsRed = g.grade == .red && previous != .red
            let notice = turnsRed ? RiskMessages.redNotice(entry, type: type, grade: g, previous: previous,
                                                           deadlineMs: model.redNoticeDeadlineMs, now: now) : nil
            let device = entry.id
            let changeEvent: @Sendable (Int64) -> String = { RiskMessages.gradeChanged(g, previous: previous, historyId: $0, device: device) }
            let feed: @Sendable (Int64) -> OutboxMessage = {
                RiskMessages.redFeed(g, previous: previous, device: device, type: type, at: now, historyId: $0, topics: topics)
            }
            updates.append(GradeWrite(
                deviceNum: num, grade: g.grade, score: g.score, likelihood: g.likelihood, exposure: g.exposure,
                consequence: g.consequence, factors: g.factorsJSON, model: g.model, previous: previous, at: now,
                changeEvent: changeEvent, notice: notice, redFeed: turnsRed ? feed : nil))
        }
        do {
            try store.record(grades: updates, noticeMessage: { id, n in NoticeFeed.message(id: id, n, topics: topics) })
            // One line per round, not one per device (a restart of a large fleet re-grades
            // thousands); each change is an event in the store, with its device.
            var moves: [String: Int] = [:]
            for u in updates {
                if u.changed, let previous = u.previous { moves["\(previous.rawValue)→\(u.grade.rawValue)", default: 0] += 1 }
                current[u.deviceNum] = (u.grade, now)
            }
            if !moves.isEmpty {
                logger.notice("risk grades changed", metadata: [
                    "devices": "\(moves.values.reduce(0, +))",
                    "changes": "\(moves.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))",
                ])
            }
        } catch {
            logger.error("cannot store risk grades; they are computed again at the next round", metadata: ["error": "\(error)"])
            condition.withLock { pending.formUnion(nums) }
        }
    }
}

/// Gathers one device's risk inputs from the registry and the store and grades it. Shared by the
/// service and `equipwatch devices show`.
public enum RiskGrading {
    /// Grades one device from its history in the store with `model` (the same function for the
    /// service, `devices show` and the tests).
    public static func grade(_ entry: DirectoryEntry, directory: DeviceDirectory, model: RiskModel, store: any Store, now: Int64) throws -> RiskGrade {
        let history = try store.riskHistory(deviceNum: entry.num, alarmsSince: now - model.alarmWindowMs, gapsSince: now - model.gapWindowMs)
        let today = store.localDays.day(now)
        let missed = try model.routineWindowDays.map { try store.routineMissed(windowDays: $0, today: today)[entry.owner] ?? 0 } ?? 0
        return grade(entry, directory: directory, model: model, history: history, today: today, now: now, routineMissed: missed)
    }

    /// Grades one device from `history` read beforehand (a round reads every device's at once).
    public static func grade(_ entry: DirectoryEntry, directory: DeviceDirectory, model: RiskModel, history: RiskHistory, today: Day,
                             now: Int64, routineMissed: Int = 0) -> RiskGrade {
        let type = directory.type(of: entry)
        var inputs = RiskMessages.inputs(entry, type: type, site: directory.sites[entry.site], today: today)
        inputs.alarms = history.alarms
        inputs.maintenanceOverdue = history.maintenanceOverdue
        inputs.monitoringGaps = history.gaps
        inputs.routineMissed = routineMissed
        return model.grade(inputs, now: now)
    }
}
