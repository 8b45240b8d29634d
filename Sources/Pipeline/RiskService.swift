import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Logging
import Maintenance
import Risk
import Storage

/// Grades devices (SPEC §10) on its own thread, after the facts are committed: when an input
/// changed (an alarm fired or resolved, maintenance became overdue or was done, monitoring was
/// interrupted, the registry or the model was reloaded) and at least every `recompute` of the
/// model. Grading reads the store, so it never slows the ingest worker.
public final class RiskService: @unchecked Sendable {
    private let store: Store
    private let topicPrefix: String
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

    /// Devices graded per round at most, so a daily sweep of a large fleet is spread out.
    static let roundSize = 2000

    public init(store: Store, model: RiskModel, directory: DeviceDirectory, topicPrefix: String, clock: PipelineClock, logger: Logger) {
        self.store = store
        self.model = model
        self.directory = directory
        self.topicPrefix = topicPrefix
        self.clock = clock
        self.logger = logger
    }

    public func start() {
        condition.withLock { running = true }
        let t = Thread { [self] in
            loop()
            finished.signal()
        }
        t.name = "risk-grading"
        t.start()
    }

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
        while true {
            let (woken, all, model, directory, stop) = condition.withLock {
                if pending.isEmpty, !everything, backlog.isEmpty, running { _ = condition.wait(until: Date().addingTimeInterval(1)) }
                defer { pending.removeAll(); everything = false }
                return (pending, everything, self.model, self.directory, !running)
            }
            if stop { return }
            let now = clock.now()
            if all { backlog = directory.entries.map(\.num) }
            var nums = woken
            // The backlog (a reload) first, then any device never graded or graded too long ago.
            while nums.count < Self.roundSize, let n = backlog.popLast() { nums.insert(n) }
            for e in directory.entries where nums.count < Self.roundSize {
                if let c = current[e.num], now - c.computedAt < model.recomputeMs { continue }
                nums.insert(e.num)
            }
            grade(nums, model: model, directory: directory, now: now)
        }
    }

    /// Grades `nums` and stores the results in one transaction.
    func grade(_ nums: Set<Int64>, model: RiskModel, directory: DeviceDirectory, now: Int64) {
        guard !nums.isEmpty else { return }
        var updates: [RiskUpdate] = []
        let entries = Dictionary(directory.entries.map { ($0.num, $0) }, uniquingKeysWith: { a, _ in a })
        for num in nums.sorted() {
            guard let entry = entries[num] else { continue }
            do {
                let g = try RiskGrading.grade(entry, directory: directory, model: model, store: store, now: now)
                let previous = current[num]?.grade
                var notice: NoticeDraft?
                if g.grade == .red, previous != .red {
                    notice = RiskGrading.redNotice(entry, type: directory.type(of: entry).id, grade: g, previous: previous,
                                                   deadlineMs: model.redNoticeDeadlineMs, now: now)
                }
                updates.append(RiskUpdate(deviceNum: num, device: entry.id, type: directory.type(of: entry).id, grade: g,
                                          previous: previous, at: now, notice: notice))
            } catch {
                logger.error("cannot grade device", metadata: ["device": "\(entry.id)", "error": "\(error)"])
            }
        }
        do {
            try store.record(risk: updates, topicPrefix: topicPrefix)
            for u in updates {
                if u.changed, u.previous != nil { logger.notice("risk grade changed", metadata: ["device": "\(u.device)", "from": "\(u.previous!.rawValue)", "to": "\(u.grade.grade.rawValue)"]) }
                current[u.deviceNum] = (u.grade.grade, now)
            }
        } catch {
            logger.error("cannot store risk grades; they are computed again at the next round", metadata: ["error": "\(error)"])
            condition.withLock { pending.formUnion(nums) }
        }
    }
}

/// Gathers one device's risk inputs from the registry and the store, and words the notice of a
/// device turning red. Shared by the service and `equipwatch devices show`.
public enum RiskGrading {
    public static func grade(_ entry: DirectoryEntry, directory: DeviceDirectory, model: RiskModel, store: Store, now: Int64) throws -> RiskGrade {
        let type = directory.type(of: entry)
        let site = directory.sites[entry.site]
        var inputs = RiskInputs(consequence: type.consequence, siteCategory: site?.category, peopleExposed: site?.peopleExposed,
                                attributes: entry.attributes, commissioned: entry.commissioned, inspectionGrade: entry.inspectionGrade)
        let today = Day(epochMillis: now)
        inputs.overdueInspections = InspectionCalendar.dueDates(
            policies: type.inspections, commissioned: entry.commissioned, lastInspections: entry.lastInspections,
            grade: entry.inspectionGrade, attributes: entry.attributes
        ).filter { $0.isOverdue(on: today) }.map { $0.mustNotUse ? "\($0.kind): \($0.basis)" : "\($0.kind) due \($0.due)" }
        let history = try store.riskHistory(deviceNum: entry.num, alarmsSince: now - model.alarmWindowMs, gapsSince: now - model.gapWindowMs)
        inputs.alarms = history.alarms
        inputs.maintenanceOverdue = history.maintenanceOverdue
        inputs.monitoringGaps = history.gaps
        return model.grade(inputs, now: now)
    }

    static func redNotice(_ entry: DirectoryEntry, type: String, grade g: RiskGrade, previous: Grade?, deadlineMs: Int64, now: Int64) -> NoticeDraft {
        let top = g.factors.filter { $0.part == "L" && $0.value > 0 && $0.name != "base" }
            .sorted { $0.value > $1.value }.prefix(3).map { "\($0.name) (\($0.input))" }.joined(separator: "; ")
        var w = JSONWriter()
        w.add("grade", .string(g.grade.rawValue))
        w.add("previous", .string(previous?.rawValue ?? ""))
        w.add("score", .number(g.score))
        w.add("model", .string(g.model))
        return NoticeDraft(
            key: "risk_red:\(entry.num):\(now)", deviceNum: entry.num, device: entry.id, type: type, firm: entry.firm, kind: .riskRed,
            trigger: "risk_grade", reason: "risk grade red (D = \(formatNumber(g.score))): \(top.isEmpty ? "consequence and exposure" : top)",
            dueBy: now + deadlineMs, createdAt: now, staleAfterRecord: nil, detail: w.finish())
    }
}
