import Records

/// What one node does at a heartbeat, decided from the cluster as the store shows it (pure: it
/// takes the view and answers; `ClusterMember` acts). Every node decides alone from the same rows;
/// the store's conditional updates settle any race (one node takes a lease, the other's update
/// finds it taken).
///
/// - Shares: the live nodes sorted by name; partition count P over N nodes gives the first
///   `P % N` nodes `P / N + 1` partitions and the rest `P / N`.
/// - A node above its share gives back its highest partitions, but only while another live node
///   is below its own (so a node that is merely slow to start takes nothing from anyone).
/// - A node below its share takes free partitions, lowest first, then expired ones, when it may
///   (`mayTakeExpired`: it has seen the database for a whole lease timeout itself, so a node that
///   was cut off with the others does not steal from them before they could renew).
/// - Leadership: taken when free, or expired under the same condition; kept until the node stops.
public enum ClusterBalance {
    public struct Plan: Equatable, Sendable {
        public var take: [ClusterLease] = []
        public var release: [Int] = []
        public init(take: [ClusterLease] = [], release: [Int] = []) { (self.take, self.release) = (take, release) }
    }

    /// The share of partitions of each live node.
    public static func shares(partitions: Int, nodes: [String]) -> [String: Int] {
        let sorted = nodes.sorted()
        guard !sorted.isEmpty else { return [:] }
        var out: [String: Int] = [:]
        for (i, n) in sorted.enumerated() { out[n] = partitions / sorted.count + (i < partitions % sorted.count ? 1 : 0) }
        return out
    }

    public static func plan(node: String, view: ClusterView, mayTakeExpired: Bool) -> Plan {
        var live = Set(view.nodes.filter(\.live).map(\.node))
        live.insert(node)
        let shares = shares(partitions: view.partitions, nodes: Array(live))
        var held: [String: [Int]] = [:]
        for l in view.leases {
            if case .partition(let p) = l.lease, let n = l.node, !l.expired || n == node { held[n, default: []].append(p) }
        }
        let mine = (held[node] ?? []).sorted()
        let share = shares[node] ?? 0
        var plan = Plan()
        if mine.count > share {
            let somebodyShort = live.contains { n in n != node && (held[n]?.count ?? 0) < (shares[n] ?? 0) }
            if somebodyShort { plan.release = Array(mine.suffix(mine.count - share)) }
        } else if mine.count < share {
            let free = view.leases.filter { l in
                if case .partition = l.lease { return l.node == nil } else { return false }
            }
            let expired = view.leases.filter { l in
                if case .partition = l.lease { return l.node != nil && l.node != node && l.expired } else { return false }
            }
            let candidates = free + (mayTakeExpired ? expired : [])
            plan.take = candidates.prefix(share - mine.count).map(\.lease)
        }
        if let leader = view.leases.first(where: { $0.lease == .leader }), leader.node != node,
           leader.node == nil || (leader.expired && mayTakeExpired) {
            plan.take.append(.leader)
        }
        return plan
    }
}
