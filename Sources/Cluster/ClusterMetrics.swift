import CoreMetrics
import Metrics
import Records

/// What a node reports at `/metrics` of its part in the cluster: the partitions it consumes (one
/// gauge per partition, 1 while consumed here, with its lease's epoch), whether it leads, its
/// heartbeats that failed and the rebuilds of its engine.
final class ClusterMetrics: Sendable {
    private let heartbeatFailures = Counter(label: "equipwatch_cluster_heartbeat_failures_total")
    private let rebuilds = Counter(label: "equipwatch_cluster_engine_rebuilds_total")
    private let leader = Gauge(label: "equipwatch_cluster_leader")
    private let held = Gauge(label: "equipwatch_cluster_partitions_consumed")

    func heartbeatFailed() { heartbeatFailures.increment() }
    func rebuilt() { rebuilds.increment() }

    /// After each heartbeat: the leases the engine consumes and leadership.
    func record(_ now: (leases: Set<HeldLease>, leading: Bool), partitions: Int) {
        leader.record(now.leading ? 1 : 0)
        held.record(now.leases.count)
        var epochs: [Int: Int64] = [:]
        for l in now.leases { if case .partition(let p) = l.lease { epochs[p] = l.epoch } }
        for p in 0..<partitions {
            let dimensions = [("partition", String(p))]
            Gauge(label: "equipwatch_cluster_partition_consumed", dimensions: dimensions).record(epochs[p] == nil ? 0 : 1)
            if let epoch = epochs[p] { Gauge(label: "equipwatch_cluster_partition_epoch", dimensions: dimensions).record(epoch) }
        }
    }
}
