import Domain
import DeviceCatalog
import Foundation
import Ingest
import Inspection
import Logging
import MQTT
import Records
import Risk
import Services
import Settings
import Storage

/// The services that run once per store beside the ingest worker, each on a thread of its own:
/// the outbox publisher, risk grading, compliance (with the rescue clock), retention and WAL
/// checkpoints. One process runs them with its pipeline; in a cluster only the leader runs them
/// (docs/cluster.md), while every node's workers commit.
public final class EngineServices: Sendable {
    let outbox: OutboxPublisher
    let risk: RiskService?
    let retention: RetentionService
    let checkpoints: CheckpointService
    let compliance: ComplianceService?

    /// `registryChanged`: compliance saw inspection records or hazards change, with the registry
    /// snapshot that includes them (for the workers).
    public init(settings s: Settings, store: any Store, directory: DeviceDirectory, risk riskModel: RiskModel?, inspections: PlanPolicy?,
                accidents: AccidentPolicy? = nil, clock: PipelineClock, logger: Logger, storeFolder: StoreFolder? = nil,
                registryChanged: @escaping @Sendable (DeviceDirectory) -> Void = { _ in }) {
        var outboxOptions = MQTTOptions(settings: s)
        outboxOptions.clientId = s.broker.clientId + "-outbox"
        if let user = s.broker.outboxUsername {
            outboxOptions.username = user
            outboxOptions.password = s.broker.outboxPassword
        }
        outboxOptions.cleanSession = true
        outbox = OutboxPublisher(store: store, options: outboxOptions, logger: logger)
        let topics = Topics(prefix: s.broker.topicPrefix)
        retention = RetentionService(store: store, settings: s.retention, clock: clock, logger: logger)
        checkpoints = CheckpointService(store: store, everyMs: s.store.checkpointInterval.milliseconds,
                                        walLimitBytes: s.store.maxWALMiB << 20, folder: storeFolder, logger: logger)
        let risk = riskModel.map { RiskService(store: store, model: $0, directory: directory, topics: topics, clock: clock, logger: logger) }
        self.risk = risk
        if let inspections {
            var hooks = ComplianceService.Hooks()
            hooks.registryChanged = { d in
                registryChanged(d)
                risk?.reload(directory: d)
            }
            hooks.statusChanged = { devices in risk?.wake(devices) }
            compliance = ComplianceService(
                store: store, types: Dictionary(directory.types.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }),
                policy: inspections, accidents: accidents, topics: topics, clock: clock, logger: logger, hooks: hooks)
        } else {
            compliance = nil
        }
    }

    public func start() {
        checkpoints.start()
        outbox.start()
        risk?.start()
        retention.start()
        compliance?.start()
    }

    /// Stops every service; the outbox publishes what it can within `drainFor` seconds first.
    public func stop(drainFor seconds: Double = 2) {
        risk?.stop()
        retention.stop()
        compliance?.stop()
        outbox.stop(drainFor: seconds)
        checkpoints.stop()
    }

    /// A commit wrote outbox rows.
    public func wakeOutbox() { outbox.wake() }
    /// A commit changed these devices' risk inputs.
    public func wakeRisk(_ devices: [Int64]) { risk?.wake(devices) }

    public func reload(directory: DeviceDirectory) {
        risk?.reload(directory: directory)
        compliance?.reload(types: directory.types)
    }

    public func reload(risk model: RiskModel) { risk?.reload(model: model) }

    public func reload(accidents policy: AccidentPolicy) { compliance?.reload(accidents: policy) }

    /// Outbox messages published and acknowledged by the broker since start.
    public var published: Int { outbox.published }
}
