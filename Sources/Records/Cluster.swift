import Foundation

/// What a cluster lease is for: one partition of the fleet, or the cluster's leadership (the
/// services that must run once: outbox, risk grading, compliance and the rescue clock, retention).
/// Stored as one integer, `-1` for leadership.
public enum ClusterLease: Hashable, Sendable, Comparable, CustomStringConvertible {
    case leader
    case partition(Int)

    public init(stored: Int) { self = stored < 0 ? .leader : .partition(stored) }
    public var stored: Int {
        switch self {
        case .leader: -1
        case .partition(let p): p
        }
    }
    public var description: String {
        switch self {
        case .leader: "leader"
        case .partition(let p): "partition \(p)"
        }
    }
    public static func < (a: Self, b: Self) -> Bool { a.stored < b.stored }
}

/// A lease this node holds, with the epoch it took it at: a commit for its partitions succeeds only
/// while the lease row still names this node at this epoch (`CommitFence`).
public struct HeldLease: Hashable, Sendable {
    public let lease: ClusterLease
    public let epoch: Int64
    public init(_ lease: ClusterLease, epoch: Int64) { (self.lease, self.epoch) = (lease, epoch) }
}

/// Checked inside every commit's transaction by a store in cluster mode: the commit goes through
/// only if every lease still names `node` at its epoch, and holds those rows (`FOR SHARE`) until it
/// ends, so a takeover (which changes them) waits for it or makes it fail. A node cut off from the
/// database therefore cannot commit for a partition once another node has taken it.
public struct CommitFence: Sendable, Equatable {
    public let node: String
    public let leases: [HeldLease]
    public init(node: String, leases: [HeldLease]) { (self.node, self.leases) = (node, leases) }
}

/// The cluster as the store records it (`cluster status`, the balance of each heartbeat).
public struct ClusterView: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public let node: String
        public let address: String
        public let startedAt: Int64
        public let lastHeartbeat: Int64
        /// The heartbeat is within the lease timeout (by the database's clock).
        public let live: Bool
        /// At its last heartbeat: messages received and waiting for its worker (in network
        /// batches), and when its engine last committed (its own clock, epoch ms).
        public var queued: Int = 0
        public var lastCommitAt: Int64?
        public init(node: String, address: String, startedAt: Int64, lastHeartbeat: Int64, live: Bool) {
            (self.node, self.address, self.startedAt, self.lastHeartbeat, self.live) = (node, address, startedAt, lastHeartbeat, live)
        }
    }
    public struct Lease: Sendable, Equatable {
        public let lease: ClusterLease
        /// Nil: free (released, or never taken).
        public let node: String?
        public let epoch: Int64
        /// Past its expiry by the database's clock: the holder has not renewed it in time.
        public let expired: Bool
        public let acquiredAt: Int64?
        public init(lease: ClusterLease, node: String?, epoch: Int64, expired: Bool, acquiredAt: Int64?) {
            (self.lease, self.node, self.epoch, self.expired, self.acquiredAt) = (lease, node, epoch, expired, acquiredAt)
        }
    }
    /// The cluster's partition count (fixed when it was created).
    public let partitions: Int
    public let leaseTimeoutMs: Int64
    public let nodes: [Node]
    public let leases: [Lease]
    /// The database's clock (epoch ms) when this was read.
    public let now: Int64
    /// The database has been up this long (ms): after a restart no lease is taken over for a lease
    /// timeout, so the nodes that held them can renew first.
    public let databaseUptimeMs: Int64

    public init(partitions: Int, leaseTimeoutMs: Int64, nodes: [Node], leases: [Lease], now: Int64, databaseUptimeMs: Int64) {
        (self.partitions, self.leaseTimeoutMs, self.nodes, self.leases) = (partitions, leaseTimeoutMs, nodes, leases)
        (self.now, self.databaseUptimeMs) = (now, databaseUptimeMs)
    }

    public var leader: String? { leases.first { $0.lease == .leader && !$0.expired }?.node }
    public func partitions(of node: String) -> [Int] {
        leases.compactMap { l in
            if case .partition(let p) = l.lease, l.node == node { return p }
            return nil
        }.sorted()
    }
}

/// A store that can coordinate a cluster (PostgreSQL): leases with epochs, node heartbeats, and
/// risk wake-ups handed from the nodes to the leader. Every time is the database's clock, so the
/// nodes' clocks do not matter.
public protocol ClusterStore: Store {
    /// Creates the cluster's tables and rows if missing (`partitions` counts only then) and records
    /// this node; answers the cluster as it is.
    func clusterJoin(node: String, address: String, partitions: Int, leaseTimeoutMs: Int64) throws(StoreError) -> ClusterView
    /// Records this node's heartbeat (with its engine's queue and last commit) and renews every lease
    /// it still holds (a lease not taken over is renewed even past its expiry); answers the leases
    /// renewed and the cluster.
    func clusterHeartbeat(node: String, leaseTimeoutMs: Int64, queued: Int, lastCommitAt: Int64?) throws(StoreError)
        -> (held: [HeldLease], view: ClusterView)
    /// The newest committed contact of any device of each partition (`Partitioning` of the
    /// devices' gateways; epoch ms): how far each partition's consumption is behind, seen from the
    /// store. Partitions without a device that ever spoke are absent.
    func partitionContacts(partitions: Int) throws(StoreError) -> [Int: Int64]
    /// Takes `lease` if it is free, or expired while the database has been up for a lease timeout;
    /// answers the new epoch, or nil when another node has it.
    func clusterAcquire(_ lease: ClusterLease, node: String, leaseTimeoutMs: Int64) throws(StoreError) -> HeldLease?
    /// Gives `lease` back (still at `epoch`): free for the next node at once.
    func clusterRelease(_ lease: HeldLease, node: String) throws(StoreError)
    /// Removes the node's row (after releasing its leases, at a clean stop).
    func clusterLeave(node: String) throws(StoreError)
    /// The cluster as recorded, or nil if no node ever joined.
    func clusterView() throws(StoreError) -> ClusterView?
    /// The same store whose commits are fenced by `fence` (connections shared).
    func fenced(by fence: CommitFence) -> any Store
    /// Devices whose risk inputs a node's commit changed, for the leader to grade.
    func queueRiskWakes(_ devices: [Int64]) throws(StoreError)
    /// Takes (and removes) the queued risk wake-ups.
    func takeRiskWakes(limit: Int) throws(StoreError) -> [Int64]
}
