import Domain
import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Logging
import MQTT
import Pipeline
import Records
import Risk
import Rules
import Services
import Settings
import Synchronization

/// One node of a cluster (docs/cluster.md): it heartbeats and balances through the store's lease
/// rows, runs one ingest engine over the partitions it holds (one persistent MQTT session per
/// partition, every commit fenced by those leases), and the once-per-cluster services while it
/// holds leadership.
///
/// The engine is built for a fixed set of partitions and rebuilt when the set changes (a node
/// joined, died or stopped; a registry reload; a fenced commit): stopping commits everything it
/// received under the old leases, then the leases given away are released, then the new engine
/// loads its devices' state from the store (after the leases it took, so it sees every commit of
/// the previous owner) and only then connects its sessions.
public final class ClusterMember: Sendable {
    /// What the node consumes with: the registry, the rules, the risk model and the plan policy.
    public struct Catalog: Sendable {
        public var directory: DeviceDirectory
        public var rules: RuleSet
        public var risk: RiskModel
        public var policy: PlanPolicy
        /// Rules/accidents.yaml: the leader proposes accidents for passengers held too long.
        public var accidents: AccidentPolicy?
        public init(directory: DeviceDirectory, rules: RuleSet, risk: RiskModel, policy: PlanPolicy, accidents: AccidentPolicy? = nil) {
            (self.directory, self.rules, self.risk, self.policy, self.accidents) = (directory, rules, risk, policy, accidents)
        }
    }

    /// What `/healthz` and `cluster status` say of this node.
    public struct Health: Sendable {
        public var node: String
        public var partitions: [Int]
        public var leader: Bool
        public var engine: IngestPipeline?
    }

    private struct State {
        var catalog: Catalog
        var catalogChanged = false
        /// Leases held, as last renewed or taken.
        var held: [ClusterLease: HeldLease] = [:]
        var engine: IngestPipeline?
        var engineLeases: Set<HeldLease> = []
        var leader: EngineServices?
        var fenced = false
        var running = false
        /// Monotonic ns since when every heartbeat succeeded (nil: the last one failed).
        var connectedSince: UInt64?
        var riskWakes: Set<Int64> = []
    }

    public let node: String
    private let address: String
    private let settings: Settings
    private let cluster: Settings.Cluster
    private let store: any ClusterStore
    private let logger: Logger
    private let state: Mutex<State>
    /// Wakes the heartbeat thread before its next quarter second (a fenced engine, a reload, a stop).
    private let wakeups = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The cluster's partition count and lease timeout (the store's, fixed by the first node).
    private let shape = Mutex<(partitions: Int, leaseMs: Int64)>((0, 0))
    private let metrics = ClusterMetrics()

    public init(node: String, address: String, settings: Settings, store: any ClusterStore, catalog: Catalog, logger: Logger) {
        (self.node, self.address, self.settings, self.store, self.logger) = (node, address, settings, store, logger)
        cluster = settings.cluster ?? Settings.Cluster()
        state = Mutex(State(catalog: catalog))
    }

    /// Joins the cluster (answering only once the store has recorded this node) and starts the
    /// heartbeat thread.
    public func start() throws(StoreError) {
        let view = try store.clusterJoin(node: node, address: address, partitions: cluster.partitions,
                                         leaseTimeoutMs: cluster.leaseTimeout.milliseconds)
        shape.withLock { $0 = (view.partitions, view.leaseTimeoutMs) }
        if view.partitions != cluster.partitions || view.leaseTimeoutMs != cluster.leaseTimeout.milliseconds {
            logger.notice("the cluster's own partition count and lease timeout apply (set when it was created)", metadata: [
                "partitions": "\(view.partitions)", "lease_timeout_ms": "\(view.leaseTimeoutMs)"])
        }
        logger.info("joined the cluster", metadata: ["node": "\(node)", "nodes": "\(view.nodes.filter(\.live).count)", "partitions": "\(view.partitions)"])
        state.withLock { $0.running = true }
        let t = Thread { [self] in
            loop()
            finished.signal()
        }
        t.name = "cluster-member"
        t.start()
    }

    /// Stops cleanly: the engine commits what it received and closes its sessions (the broker keeps
    /// the rest for them), the leases are released for the other nodes to take at once, the leader's
    /// services stop, and the node leaves.
    public func stop() -> Bool {
        let wasRunning = state.withLock { s in defer { s.running = false }; return s.running }
        guard wasRunning else { return true }
        wake()
        finished.wait()
        let (engine, leader) = state.withLock { s in
            defer { s.engine = nil; s.leader = nil; s.engineLeases = [] }
            return (s.engine, s.leader)
        }
        let committed = engine?.stop() ?? true
        leader?.stop()
        do {
            try store.clusterLeave(node: node)
            logger.info("left the cluster; leases released", metadata: ["node": "\(node)"])
        } catch {
            logger.error("could not release the leases; they expire after the lease timeout", metadata: ["error": "\(error)"])
        }
        return committed
    }

    public var health: Health {
        state.withLock { s in
            Health(node: node, partitions: s.engineLeases.compactMap(\.partition).sorted(), leader: s.leader != nil, engine: s.engine)
        }
    }

    private func wake() { wakeups.signal() }

    // MARK: The heartbeat thread

    private func loop() {
        var nextBeat: UInt64 = 0
        while state.withLock({ $0.running }) {
            let now = monotonicNanos()
            let fenced = state.withLock { $0.fenced || $0.catalogChanged }
            if now >= nextBeat || fenced {
                heartbeat()
                nextBeat = monotonicNanos() + UInt64(cluster.heartbeat.milliseconds) * 1_000_000
            }
            passRiskWakes()
            _ = wakeups.wait(timeout: .now() + 0.25)
        }
    }

    private func heartbeat() {
        let (partitions, leaseMs) = shape.withLock { $0 }
        let renewed: [HeldLease]
        let view: ClusterView
        do {
            let engine = state.withLock { $0.engine }
            (renewed, view) = try store.clusterHeartbeat(node: node, leaseTimeoutMs: leaseMs, queued: engine?.queueDepth ?? 0,
                                                         lastCommitAt: engine?.stats.lastCommitAt)
        } catch {
            metrics.heartbeatFailed()
            let wasConnected = state.withLock { s in defer { s.connectedSince = nil }; return s.connectedSince != nil }
            if wasConnected { logger.error("cluster heartbeat failed; holding the leases and retrying", metadata: ["error": "\(error)"]) }
            return
        }
        let now = monotonicNanos()
        let (lost, connectedFor) = state.withLock { s -> ([HeldLease], UInt64) in
            let kept = Set(renewed)
            let lost = s.held.values.filter { !kept.contains($0) }
            s.held = Dictionary(renewed.map { ($0.lease, $0) }, uniquingKeysWith: { a, _ in a })
            if s.connectedSince == nil { s.connectedSince = now }
            return (lost, now - s.connectedSince!)
        }
        for l in lost { logger.error("lease lost to another node", metadata: ["lease": "\(l.lease)", "epoch": "\(l.epoch)"]) }
        let plan = ClusterBalance.plan(node: node, view: view, mayTakeExpired: connectedFor >= UInt64(leaseMs) * 1_000_000)
        for lease in plan.take {
            do {
                if let h = try store.clusterAcquire(lease, node: node, leaseTimeoutMs: leaseMs) {
                    state.withLock { $0.held[lease] = h }
                    logger.info("took a lease", metadata: ["lease": "\(lease)", "epoch": "\(h.epoch)"])
                }
            } catch {
                logger.warning("could not take a lease", metadata: ["lease": "\(lease)", "error": "\(error)"])
            }
        }
        let releasing = Set(plan.release)
        let (desired, rebuild) = state.withLock { s -> (Set<HeldLease>, Bool) in
            let desired = Set(s.held.values.filter { h in h.partition.map { !releasing.contains($0) } ?? false })
            return (desired, s.fenced || s.catalogChanged || desired != s.engineLeases)
        }
        if rebuild { rebuildEngine(for: desired, releasing: releasing, partitions: partitions) }
        leadership()
        metrics.record(state.withLock { s in (s.engineLeases, s.leader != nil) }, partitions: partitions)
    }

    /// Stops the running engine (committing under the old leases), releases what is given away,
    /// and starts an engine for `leases` with its devices' state read from the store.
    private func rebuildEngine(for leases: Set<HeldLease>, releasing: Set<Int>, partitions: Int) {
        let (old, catalog) = state.withLock { s in
            defer { s.engine = nil; s.engineLeases = []; s.fenced = false; s.catalogChanged = false }
            return (s.engine, s.catalog)
        }
        metrics.rebuilt()
        if let old {
            let started = monotonicNanos()
            old.stop()
            logger.info("engine stopped for a new set of partitions", metadata: ["ms": "\((monotonicNanos() - started) / 1_000_000)"])
        }
        for p in releasing {
            guard let h = state.withLock({ $0.held.removeValue(forKey: .partition(p)) }) else { continue }
            do {
                try store.clusterRelease(h, node: node)
                logger.info("released a partition for another node", metadata: ["partition": "\(p)"])
            } catch {
                logger.warning("could not release a partition; it expires after the lease timeout", metadata: ["partition": "\(p)", "error": "\(error)"])
            }
        }
        guard !leases.isEmpty else { return }
        let started = monotonicNanos()
        do {
            let engine = try makeEngine(leases: leases.sorted { $0.lease < $1.lease }, catalog: catalog, partitions: partitions)
            engine.start()
            state.withLock { s in
                s.engine = engine
                s.engineLeases = leases
            }
            logger.info("consuming partitions", metadata: [
                "partitions": "\(leases.compactMap(\.partition).sorted())", "start_ms": "\((monotonicNanos() - started) / 1_000_000)"])
        } catch {
            // Tried again at the next heartbeat (the engine set stays empty, so it differs).
            logger.error("cannot start the engine for this node's partitions; retrying at the next heartbeat", metadata: ["error": "\(error)"])
        }
    }

    private func makeEngine(leases: [HeldLease], catalog: Catalog, partitions: Int) throws -> IngestPipeline {
        let owned = Set(leases.compactMap(\.partition))
        let byPartition = Self.gateways(of: owned, in: catalog.directory, partitions: partitions)
        let directory = catalog.directory.restricted(toGateways: Set(byPartition.values.joined()))
        let fenced = store.fenced(by: CommitFence(node: node, leases: leases))
        let now = wallMillis()
        let engine = try RulesSync.engine(rules: catalog.rules, store: fenced, directory: directory, settings: settings, now: now)
        let planner = try RulesSync.planner(rules: catalog.rules, store: fenced, directory: directory, now: now)
        let topics = Topics(prefix: settings.broker.topicPrefix)
        var sessions: [IngestPipeline.Session] = []
        for p in owned.sorted() {
            var subscriptions = (byPartition[p] ?? []).map { "\(topics.prefix)/\($0)/+/+" }
            // Completion reports name a firm, not a gateway: partition 0's session takes them.
            if p == 0 { subscriptions.append(topics.maintenanceReports) }
            guard !subscriptions.isEmpty else { continue }
            var s = settings
            s.broker.clientId = "\(cluster.name)-p\(p)"
            sessions.append(.init(make: SubscriberLoop.maker(settings: s, logger: logger), subscriptions: subscriptions))
        }
        var options = IngestPipeline.Options(settings: settings)
        options.node = .init(
            sessions: sessions,
            onOutbox: { [weak self] in self?.state.withLock { $0.leader }?.wakeOutbox() },
            onRiskInputs: { [weak self] devices in
                guard let self else { return }
                if let leader = state.withLock({ $0.leader }) { leader.wakeRisk(devices) } else {
                    state.withLock { $0.riskWakes.formUnion(devices) }
                }
            },
            onFenced: { [weak self] in
                self?.state.withLock { $0.fenced = true }
                self?.wake()
            })
        return try IngestPipeline(options: options, store: fenced, directory: directory, hook: RuleHooks([NormalBandCheck(), engine]),
                                  planner: planner, logger: logger)
    }

    /// Starts the cluster-wide services while this node holds leadership, stops them when it lost it.
    private func leadership() {
        let (holds, running, catalog) = state.withLock { ($0.held[.leader] != nil, $0.leader, $0.catalog) }
        if holds, running == nil {
            var s = settings
            s.broker.clientId = "\(cluster.name)-leader"
            let services = EngineServices(settings: s, store: store, directory: catalog.directory, risk: catalog.risk,
                                          inspections: catalog.policy, accidents: catalog.accidents, clock: .system, logger: logger,
                                          registryChanged: { [weak self] d in self?.inspectionsChanged(d) })
            services.start()
            state.withLock { $0.leader = services }
            logger.notice("leading the cluster: outbox, risk grading, compliance, rescue clock, retention", metadata: ["node": "\(node)"])
        } else if !holds, let running {
            state.withLock { $0.leader = nil }
            running.stop()
            logger.notice("no longer leading the cluster", metadata: ["node": "\(node)"])
        }
    }

    /// Devices whose risk inputs changed on this node: graded by the leader (here, or through the
    /// store when another node leads).
    private func passRiskWakes() {
        let (leader, queued) = state.withLock { s in
            defer { s.riskWakes.removeAll() }
            return (s.leader, s.riskWakes)
        }
        do {
            if let leader {
                let taken = try store.takeRiskWakes(limit: 10_000)
                if !taken.isEmpty { leader.wakeRisk(taken) }
                if !queued.isEmpty { leader.wakeRisk(Array(queued)) }
            } else if !queued.isEmpty {
                try store.queueRiskWakes(Array(queued))
            }
        } catch {
            state.withLock { $0.riskWakes.formUnion(queued) }
        }
    }

    /// Compliance (on the leader) saw new inspection records or hazards.
    private func inspectionsChanged(_ d: DeviceDirectory) {
        let engine = state.withLock { s in
            s.catalog.directory = d
            return s.engine
        }
        let owned = Set(health.partitions)
        let gateways = Self.gateways(of: owned, in: d, partitions: shape.withLock { $0.partitions })
        engine?.reload(directory: d.restricted(toGateways: Set(gateways.values.joined())))
    }

    /// The registry's gateways of `owned` partitions, by partition, sorted.
    static func gateways(of owned: Set<Int>, in directory: DeviceDirectory, partitions: Int) -> [Int: [String]] {
        var out: [Int: [String]] = [:]
        for g in directory.gateways.sorted() {
            let p = Partitioning.partition(ofGateway: g, count: partitions)
            if owned.contains(p) { out[p, default: []].append(g) }
        }
        return out
    }
}

extension HeldLease {
    /// The partition this lease is for (nil: leadership).
    var partition: Int? {
        if case .partition(let p) = lease { return p }
        return nil
    }
}

/// A SIGHUP reload: the registry rebuilds the engine (its partitions' gateways may have changed, and
/// a new gateway is subscribed through its partition's session), rules and the risk model pass on.
extension ClusterMember: Reloadable {
    public func reload(directory: DeviceDirectory) {
        let leader = state.withLock { s in
            s.catalog.directory = directory
            s.catalogChanged = true
            return s.leader
        }
        leader?.reload(directory: directory)
        wake()
    }

    public func reload(rules: RuleSet) {
        let engine = state.withLock { s in
            s.catalog.rules = rules
            return s.engine
        }
        engine?.reload(rules: rules)
    }

    public func reload(risk: RiskModel) {
        let leader = state.withLock { s in
            s.catalog.risk = risk
            return s.leader
        }
        leader?.reload(risk: risk)
    }

    public func reload(accidents: AccidentPolicy) {
        let leader = state.withLock { s in
            s.catalog.accidents = accidents
            return s.leader
        }
        leader?.reload(accidents: accidents)
    }
}
