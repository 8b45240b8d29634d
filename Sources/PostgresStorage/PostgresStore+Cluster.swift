import Domain
import Foundation
import Records

/// Cluster coordination on the store's own database (docs/cluster.md): no consensus of ours, only
/// rows, row locks and the database's clock.
///
/// - `cluster_settings`: the partition count and lease timeout, fixed by the first node.
/// - `cluster_nodes`: each node's address, start and last heartbeat.
/// - `cluster_leases`: one row per partition and one for leadership (`lease` -1): the holder, the
///   epoch it took it at, and when the lease expires unless renewed. Taking a lease raises its epoch;
///   every commit of a node checks its leases' epochs and holds their rows `FOR SHARE` until it
///   ends (`check(_:_:)`), so a takeover and a commit of the old holder are serialised and the old
///   holder's later commits fail.
/// - `cluster_risk_wakes`: devices whose risk inputs a node's commit changed, graded by the leader.
extension PostgresStore: ClusterStore {
    /// The database's clock in epoch ms (`clock_timestamp`: advancing within a transaction).
    static let clusterNow = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint"
    /// How long the database has been up, in ms: after a restart no lease is taken over before
    /// the nodes that held it have had a lease timeout to renew it.
    static let databaseUptime = "(EXTRACT(EPOCH FROM (clock_timestamp() - pg_postmaster_start_time())) * 1000)::bigint"

    static let clusterSchema = """
        CREATE TABLE IF NOT EXISTS cluster_settings(id INTEGER PRIMARY KEY CHECK (id = 1), partitions INTEGER NOT NULL,
            lease_timeout_ms BIGINT NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS cluster_nodes(node TEXT COLLATE "C" PRIMARY KEY, address TEXT NOT NULL,
            started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS cluster_leases(lease INTEGER PRIMARY KEY, node TEXT COLLATE "C", epoch BIGINT NOT NULL DEFAULT 0,
            expires_at BIGINT, acquired_at BIGINT);
        CREATE TABLE IF NOT EXISTS cluster_risk_wakes(device_num BIGINT PRIMARY KEY);
        ALTER TABLE cluster_nodes ADD COLUMN IF NOT EXISTS queued BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE cluster_nodes ADD COLUMN IF NOT EXISTS last_commit_at BIGINT
        """

    public func clusterJoin(node: String, address: String, partitions: Int, leaseTimeoutMs: Int64) throws(StoreError) -> ClusterView {
        try write("join the cluster as \(node)") { s in
            // The tables once, whoever comes first (the lock ends with the transaction).
            try s.execute("SELECT pg_advisory_xact_lock(72616864)")
            for statement in Self.statements(Self.clusterSchema) { try s.execute(statement) }
            try s.execute("""
                INSERT INTO cluster_settings(id, partitions, lease_timeout_ms, created_at) VALUES (1, ?, ?, \(Self.clusterNow))
                ON CONFLICT (id) DO NOTHING
                """, [partitions, leaseTimeoutMs])
            let count = try s.int("SELECT partitions FROM cluster_settings WHERE id = 1") ?? Int64(partitions)
            try s.execute("INSERT INTO cluster_leases(lease) SELECT g FROM generate_series(-1, ? - 1) AS g ON CONFLICT (lease) DO NOTHING", [count])
            try s.execute("""
                INSERT INTO cluster_nodes(node, address, started_at, heartbeat_at) VALUES (?, ?, \(Self.clusterNow), \(Self.clusterNow))
                ON CONFLICT (node) DO UPDATE SET address = EXCLUDED.address, started_at = EXCLUDED.started_at,
                    heartbeat_at = EXCLUDED.heartbeat_at
                """, [node, address])
        }
        guard let view = try clusterView() else { throw .failed(operation: "join the cluster", reason: "the cluster's settings are missing") }
        return view
    }

    public func clusterHeartbeat(node: String, leaseTimeoutMs: Int64, queued: Int, lastCommitAt: Int64?) throws(StoreError)
        -> (held: [HeldLease], view: ClusterView) {
        let held = try write("heartbeat of \(node)") { s in
            try s.execute("""
                INSERT INTO cluster_nodes(node, address, started_at, heartbeat_at, queued, last_commit_at)
                VALUES (?, '', \(Self.clusterNow), \(Self.clusterNow), ?, ?)
                ON CONFLICT (node) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, queued = EXCLUDED.queued,
                    last_commit_at = EXCLUDED.last_commit_at
                """, [node, queued, lastCommitAt])
            // Renewed even past expiry while no other node has taken it: the epoch did not move.
            return try s.rows("UPDATE cluster_leases SET expires_at = \(Self.clusterNow) + ? WHERE node = ? RETURNING lease, epoch",
                              [leaseTimeoutMs, node])
                .map { HeldLease(ClusterLease(stored: Int($0.int("lease") ?? 0)), epoch: $0.int("epoch") ?? 0) }
        }
        guard let view = try clusterView() else { throw .failed(operation: "heartbeat", reason: "the cluster's settings are missing") }
        return (held.sorted { $0.lease < $1.lease }, view)
    }

    public func clusterAcquire(_ lease: ClusterLease, node: String, leaseTimeoutMs: Int64) throws(StoreError) -> HeldLease? {
        try write("take \(lease)") { s in
            try s.row("""
                UPDATE cluster_leases SET node = ?, epoch = epoch + 1, expires_at = \(Self.clusterNow) + ?, acquired_at = \(Self.clusterNow)
                WHERE lease = ? AND (node IS NULL OR (expires_at < \(Self.clusterNow) AND \(Self.databaseUptime) > ?))
                RETURNING epoch
                """, [node, leaseTimeoutMs, lease.stored, leaseTimeoutMs])
                .map { HeldLease(lease, epoch: $0.int("epoch") ?? 0) }
        }
    }

    public func clusterRelease(_ held: HeldLease, node: String) throws(StoreError) {
        try write("release \(held.lease)") { s in
            try s.execute("UPDATE cluster_leases SET node = NULL, expires_at = NULL WHERE lease = ? AND node = ? AND epoch = ?",
                          [held.lease.stored, node, held.epoch])
        }
    }

    public func clusterLeave(node: String) throws(StoreError) {
        try write("leave the cluster") { s in
            try s.execute("UPDATE cluster_leases SET node = NULL, expires_at = NULL WHERE node = ?", [node])
            try s.execute("DELETE FROM cluster_nodes WHERE node = ?", [node])
        }
    }

    public func clusterView() throws(StoreError) -> ClusterView? {
        try read("read the cluster") { s -> ClusterView? in
            guard try s.int("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'cluster_settings'") == 1,
                  let settings = try s.row("SELECT partitions, lease_timeout_ms, \(Self.clusterNow) AS now, \(Self.databaseUptime) AS uptime FROM cluster_settings")
            else { return nil }
            let ttl = settings.int("lease_timeout_ms") ?? 10_000
            let now = settings.int("now") ?? 0
            let nodes = try s.rows("SELECT node, address, started_at, heartbeat_at, queued, last_commit_at FROM cluster_nodes ORDER BY node").map { r in
                var n = ClusterView.Node(node: r.text("node") ?? "", address: r.text("address") ?? "", startedAt: r.int("started_at") ?? 0,
                                         lastHeartbeat: r.int("heartbeat_at") ?? 0, live: (r.int("heartbeat_at") ?? 0) > now - ttl)
                n.queued = Int(r.int("queued") ?? 0)
                n.lastCommitAt = r.int("last_commit_at")
                return n
            }
            let leases = try s.rows("SELECT lease, node, epoch, expires_at, acquired_at FROM cluster_leases ORDER BY lease").map { r in
                ClusterView.Lease(lease: ClusterLease(stored: Int(r.int("lease") ?? 0)), node: r.text("node"), epoch: r.int("epoch") ?? 0,
                                  expired: r.text("node") != nil && (r.int("expires_at") ?? 0) < now, acquiredAt: r.int("acquired_at"))
            }
            return ClusterView(partitions: Int(settings.int("partitions") ?? 0), leaseTimeoutMs: ttl, nodes: nodes, leases: leases,
                               now: now, databaseUptimeMs: settings.int("uptime") ?? 0)
        }
    }

    public func partitionContacts(partitions: Int) throws(StoreError) -> [Int: Int64] {
        let rows = try read("read the partitions' last contact") { s in
            try s.rows("""
                SELECT d.gateway, MAX(st.last_received_at) AS latest FROM devices d JOIN device_state st ON st.device_num = d.num
                WHERE st.last_received_at IS NOT NULL GROUP BY d.gateway
                """)
        }
        var latest: [Int: Int64] = [:]
        for r in rows {
            guard let gateway = r.text("gateway"), let at = r.int("latest") else { continue }
            let p = Partitioning.partition(ofGateway: gateway, count: partitions)
            latest[p] = max(latest[p] ?? .min, at)
        }
        return latest
    }

    public func fenced(by fence: CommitFence) -> any Store { PostgresStore(sharing: self, fence: fence) }

    /// Inside a commit's transaction: every lease of the fence still names its node at its epoch;
    /// their rows stay locked (`FOR SHARE`) until the commit ends, so no takeover passes it.
    static func check(_ fence: CommitFence, _ s: SQLSession) throws(StoreError) {
        guard !fence.leases.isEmpty else { return }
        let marks = Array(repeating: "?", count: fence.leases.count).joined(separator: ",")
        var arguments: [any SQLBindable] = [fence.node]
        arguments += fence.leases.map { $0.lease.stored }
        let rows = try s.rows("SELECT lease, epoch FROM cluster_leases WHERE node = ? AND lease IN (\(marks)) FOR SHARE", arguments)
        let held = Set(rows.map { HeldLease(ClusterLease(stored: Int($0.int("lease") ?? 0)), epoch: $0.int("epoch") ?? 0) })
        let lost = fence.leases.filter { !held.contains($0) }
        guard lost.isEmpty else {
            throw .fenced(reason: "\(lost.map { "\($0.lease) (epoch \($0.epoch))" }.joined(separator: ", ")) no longer held by \(fence.node)")
        }
    }

    public func queueRiskWakes(_ devices: [Int64]) throws(StoreError) {
        guard !devices.isEmpty else { return }
        try write("queue risk wake-ups") { s in
            try Self.insertRows("cluster_risk_wakes(device_num)", Array(Set(devices)).sorted().map { [$0] }, suffix: "ON CONFLICT DO NOTHING", s)
        }
    }

    public func takeRiskWakes(limit: Int) throws(StoreError) -> [Int64] {
        try write("take risk wake-ups") { s in
            try s.rows("""
                DELETE FROM cluster_risk_wakes WHERE device_num IN
                    (SELECT device_num FROM cluster_risk_wakes LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING device_num
                """, [limit]).compactMap { $0.int("device_num") }
        }
    }
}
