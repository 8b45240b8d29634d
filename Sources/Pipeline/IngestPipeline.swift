import Domain
import DeviceCatalog
import Foundation
import Synchronization
import Ingest
import Inspection
import Logging
import Metrics
import MQTT
import Maintenance
import Risk
import Rules
import Settings
import Records
import Services
import Storage

/// The running ingest path: broker → validate → rules → SQLite (SPEC §1).
///
/// Two threads. The network thread (`SubscriberLoop`) copies each message into a batch and hands
/// full or aged batches to a bounded queue. The worker thread validates, applies sequence checks
/// and the rule hook, and commits in transactions bounded by size and by the commit interval.
/// When the queue is full the network thread blocks, which stops reading the socket
/// (backpressure, never dropping).
public final class IngestPipeline: @unchecked Sendable {
    /// The settings, and what `run` adds: a commit observer for the bench, the data folder's
    /// record, and in a cluster the node's part.
    public struct Options: Sendable {
        public var settings: Settings
        /// Called on the worker thread after each commit with the messages it made durable.
        public var onCommit: (@Sendable (_ committed: [AcceptedMessage], _ committedAtNanos: UInt64) -> Void)?
        /// The data folder's record of its store, kept current (the highest committed reading)
        /// each checkpoint interval, so readings that vanish are noticed at the next start.
        public var storeFolder: StoreFolder?
        /// A cluster node's engine (docs/cluster.md): its sessions, and where its commits' wake-ups
        /// go. Nil: one process with its own services (outbox, risk, compliance, retention).
        public var node: NodePart?
        public init(settings: Settings) { self.settings = settings }
    }

    /// What a cluster node's engine consumes and whom it tells: one persistent session per owned
    /// partition, the outbox and risk wake-ups (to the leader's services, wherever they run), and
    /// a commit fenced out (the node lost a partition's lease).
    public struct NodePart: Sendable {
        public var sessions: [Session]
        public var onOutbox: @Sendable () -> Void
        public var onRiskInputs: @Sendable ([Int64]) -> Void
        /// Called once when a commit was fenced out (the worker has logged why and stopped).
        public var onFenced: @Sendable () -> Void
        public init(sessions: [Session], onOutbox: @escaping @Sendable () -> Void, onRiskInputs: @escaping @Sendable ([Int64]) -> Void,
                    onFenced: @escaping @Sendable () -> Void) {
            (self.sessions, self.onOutbox, self.onRiskInputs, self.onFenced) = (sessions, onOutbox, onRiskInputs, onFenced)
        }
    }

    /// One source of messages: how to make its transport and what it subscribes to.
    public struct Session: Sendable {
        public let make: TransportMaker
        public let subscriptions: [String]
        public init(make: @escaping TransportMaker, subscriptions: [String]) { (self.make, self.subscriptions) = (make, subscriptions) }
    }

    public let stats = IngestStats()
    private let options: Options
    private let store: any Store
    private let logger: Logger
    private let clock: PipelineClock
    private let queue: BoundedQueue<MessageBatch>
    private let gate: UncommittedGate
    private var subscribers: [any MessageTransport] = []
    private var networks: [NetworkSide] = []
    private let worker: Worker
    private let workerDone = DispatchSemaphore(value: 0)
    private let pendingDirectory = Pending<DeviceDirectory>()
    private let pendingRules = Pending<RuleSet>()
    /// The services of a process of its own; nil on a cluster node (the leader runs them).
    private let services: EngineServices?
    private var started = false

    /// `planner` adds maintenance planning (notices, completions over MQTT), `risk` risk
    /// grading and `inspections` the inspection regime (must-not-use, reminders, rescue
    /// deadlines); without them the pipeline only ingests and runs the rule hook.
    /// `accidents` proposes accident records on the rescue clock (with `inspections`).
    /// `transport` is where messages come from: nil for the MQTT session `options.settings`
    /// describe; tests pass an in-process one. On a cluster node, `options.node` gives the sessions.
    public init(options: Options, store: any Store, directory: DeviceDirectory, hook: any RuleHook,
                planner: MaintenancePlanner? = nil, risk riskModel: RiskModel? = nil, inspections: PlanPolicy? = nil,
                accidents: AccidentPolicy? = nil, logger: Logger, clock: PipelineClock = .system, transport: TransportMaker? = nil) throws {
        (self.options, self.store, self.logger, self.clock) = (options, store, logger, clock)
        let s = options.settings
        queue = BoundedQueue(capacity: s.ingest.queueBatches)
        gate = UncommittedGate(limit: s.store.uncommittedLimit)
        let validator = Validator(prefix: s.broker.topicPrefix, limits: IngestLimits(
            maxPayloadBytes: s.ingest.maxPayloadBytes, futureToleranceMs: s.ingest.futureTolerance.milliseconds,
            maxAgeMs: s.ingest.maxAge.milliseconds, deadLetterPayloadCap: s.ingest.deadLetterPayloadCap,
            maxBatchElements: s.ingest.maxBatchElements))
        worker = Worker(store: store, validator: validator, directory: directory, hook: hook,
                        states: try store.loadDeviceStates(), settings: s, logger: logger, clock: clock,
                        stats: stats, onCommit: options.onCommit)
        worker.gate = gate
        let topics = Topics(prefix: s.broker.topicPrefix)
        var subscriptions = [topics.inbound]
        if let planner {
            worker.maintenance = MaintenanceStage(planner: planner, store: store, topics: topics,
                                                  tickMs: s.rules.maintenanceTick.milliseconds, logger: logger)
            subscriptions.append(topics.maintenanceReports)
        }
        let sessions: [Session]
        if let node = options.node {
            services = nil
            worker.onOutbox = node.onOutbox
            worker.onRiskInputs = node.onRiskInputs
            worker.onFenced = node.onFenced
            sessions = node.sessions
        } else {
            let pendingDirectory = pendingDirectory
            let services = EngineServices(settings: s, store: store, directory: directory, risk: riskModel, inspections: inspections,
                                          accidents: accidents, clock: clock, logger: logger, storeFolder: options.storeFolder,
                                          registryChanged: { d in pendingDirectory.set(d) })
            self.services = services
            worker.onOutbox = { services.wakeOutbox() }
            if riskModel != nil { worker.onRiskInputs = { devices in services.wakeRisk(devices) } }
            worker.checkpoints = services.checkpoints
            sessions = [Session(make: transport ?? SubscriberLoop.maker(settings: s, logger: logger), subscriptions: subscriptions)]
        }
        for session in sessions {
            let network = NetworkSide(queue: queue, gate: gate, batchSize: s.ingest.networkBatch,
                                      maxAgeNanos: UInt64(s.ingest.networkBatchAge.milliseconds) * 1_000_000, clock: clock)
            let sink = MessageSink(message: { topic, payload in network.receive(topic, payload) }, idle: { network.flushIfAged() })
            networks.append(network)
            subscribers.append(try session.make(sink, session.subscriptions))
        }
        let subscribers = subscribers
        worker.brokerDownSince = { subscribers.compactMap(\.disconnectedSince).min() }
    }

    /// Starts the worker and network threads; returns at once (connection happens in the background).
    public func start() {
        guard !started else { return }
        started = true
        services?.start()
        let t = Thread { [worker, queue, pendingDirectory, pendingRules, workerDone] in
            worker.run(queue: queue, pendingDirectory: pendingDirectory, pendingRules: pendingRules)
            workerDone.signal()
        }
        t.name = "ingest-worker"
        t.start()
        for subscriber in subscribers { subscriber.start() }
    }

    /// Every session connected.
    public var isConnected: Bool { subscribers.allSatisfy(\.isConnected) }
    /// Messages waiting for the worker, in network batches.
    public var queueDepth: Int { queue.count }
    /// Since when a broker connection is down (wall clock, epoch ms; the earliest of the sessions
    /// that are down); nil while every session is connected.
    public var disconnectedSince: Int64? { subscribers.compactMap(\.disconnectedSince).min() }
    /// When a session last looked taken over by another client with its client id.
    public var sessionTakenOverAt: Int64? { subscribers.compactMap(\.sessionTakenOverAt).max() }
    /// Every session subscribed and acknowledged by the broker: messages published from now on arrive.
    public var isSubscribed: Bool { subscribers.allSatisfy(\.isSubscribed) }
    public var connects: Int { subscribers.reduce(0) { $0 + $1.connects } }

    /// Swaps in a new registry snapshot; the worker takes it at its next batch.
    public func reload(directory: DeviceDirectory) {
        pendingDirectory.set(directory)
        services?.reload(directory: directory)
    }

    /// Swaps in a new risk model; every device is graded again with it.
    public func reload(risk model: RiskModel) {
        services?.reload(risk: model)
    }

    /// Swaps in a new accident policy for the rescue clock's proposals.
    public func reload(accidents policy: AccidentPolicy) {
        services?.reload(accidents: policy)
    }

    /// Swaps in new rule packs; the worker takes them within one commit interval, keeping the
    /// state of rules that still exist.
    public func reload(rules: RuleSet) {
        pendingRules.set(rules)
    }

    /// Rules handed to `reload(rules:)` that the worker has not taken yet. Once false, every
    /// message received from then on meets the new rules (the worker applies them before its
    /// next batch).
    public var rulesReloadPending: Bool { pendingRules.isSet }

    /// Outbox messages published and acknowledged by the broker since start (0 on a cluster node,
    /// whose leader publishes).
    public var published: Int { services?.published ?? 0 }

    /// Stops reading, commits everything already received, then disconnects (SPEC §6, SIGTERM).
    /// Messages the broker has not yet delivered stay queued there for the persistent session.
    /// Returns false if the final commit could not be made.
    @discardableResult
    public func stop() -> Bool {
        guard started else { return true }
        started = false
        worker.requestStop()
        gate.close()
        for subscriber in subscribers { subscriber.stop() }
        for network in networks { network.flush() }
        queue.close()
        workerDone.wait()
        for subscriber in subscribers { subscriber.disconnect() }
        services?.stop(drainFor: 2)
        logger.info("ingest stopped", metadata: ["accepted": "\(stats.accepted)", "dead_letters": "\(stats.deadLetters)"])
        return worker.lastCommitSucceeded
    }
}

/// State touched only by the network thread: the batch being filled and its credits.
final class NetworkSide: @unchecked Sendable {
    private let gate: UncommittedGate
    /// Credits taken from the gate and not yet used: taken in small chunks, not per message.
    private var credits = 0
    private let chunk: Int
    private let clock: PipelineClock
    private var filler: BatchFiller

    init(queue: BoundedQueue<MessageBatch>, gate: UncommittedGate, batchSize: Int, maxAgeNanos: UInt64, clock: PipelineClock) {
        self.gate = gate
        chunk = max(1, min(100, gate.limit / 4))
        self.clock = clock
        filler = BatchFiller(queue: queue, batchSize: batchSize, maxAgeNanos: maxAgeNanos)
    }

    /// libmosquitto acknowledges a QoS 1 message before this callback runs, so the message in
    /// hand counts at once, and the wait for credits happens after it, before the loop reads
    /// (and acknowledges) another one: acknowledged and uncommitted never exceed the limit.
    func receive(_ topic: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) {
        if credits == 0 { takeCredits() }
        credits -= 1
        filler.append(topic: topic, payload: payload, receivedAt: clock.now(), monotonicNow: monotonicNanos())
        if credits == 0 { takeCredits() }
    }

    /// Takes the next chunk of credits. At the limit, hands over what is held so the worker can
    /// commit it, then waits; meanwhile this thread does not read the socket and the broker
    /// keeps the rest.
    private func takeCredits() {
        if !gate.tryAcquire(chunk) {
            flush()
            gate.acquire(chunk)
        }
        credits = chunk
    }

    func flushIfAged() { filler.flushIfAged(monotonicNow: monotonicNanos()) }

    func flush() { filler.flush() }
}

/// A value handed from one thread to another, taken at most once.
final class Pending<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    func take() -> T? { value.withLock { v in defer { v = nil }; return v } }
    /// Set and not yet taken.
    var isSet: Bool { value.withLock { $0 != nil } }
}

/// A SIGHUP reload reaches the running engine through `Reloader` like any other service.
extension IngestPipeline: Reloadable {}
