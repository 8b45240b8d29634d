import Cluster
import Domain
import Records
import Testing

@Suite("cluster balance and partitioning (pure)")
struct ClusterBalanceTests {
    func view(_ nodes: [String], _ holders: [String?], leader: String? = nil, expired: Set<Int> = []) -> ClusterView {
        ClusterView(partitions: holders.count, leaseTimeoutMs: 4000,
                    nodes: nodes.map { .init(node: $0, address: "", startedAt: 0, lastHeartbeat: 0, live: true) },
                    leases: [.init(lease: .leader, node: leader, epoch: 1, expired: false, acquiredAt: nil)]
                        + holders.enumerated().map { .init(lease: .partition($0), node: $1, epoch: 1, expired: expired.contains($0), acquiredAt: nil) },
                    now: 0, databaseUptimeMs: 100_000)
    }

    @Test("a gateway's partition is fixed: FNV-1a of its id, modulo the count")
    func partitionsAreStable() {
        #expect(Partitioning.partition(ofGateway: "gw-heping-residential-1", count: 8) == Partitioning.partition(ofGateway: "gw-heping-residential-1", count: 8))
        // Known values: a change here would move every gateway of a running cluster.
        #expect(Partitioning.partition(ofGateway: "", count: 1_000_003) == Int(0xcbf2_9ce4_8422_2325 as UInt64 % 1_000_003))
        #expect(Partitioning.partition(ofGateway: "a", count: 64) == Int(0xaf63_dc4c_8601_ec8c as UInt64 % 64))
    }

    @Test("shares: the first P mod N nodes by name take one more")
    func shares() {
        #expect(ClusterBalance.shares(partitions: 8, nodes: ["n3", "n1", "n2"]) == ["n1": 3, "n2": 3, "n3": 2])
    }

    @Test("a lone node takes every free partition and leadership")
    func loneNode() {
        let plan = ClusterBalance.plan(node: "n1", view: view(["n1"], Array(repeating: nil, count: 4)), mayTakeExpired: false)
        #expect(plan.take == [.partition(0), .partition(1), .partition(2), .partition(3), .leader])
        #expect(plan.release.isEmpty)
    }

    @Test("a node above its share gives back its highest partitions only while another is short")
    func giveBack() {
        let crowded = view(["n1", "n2"], ["n1", "n1", "n1", "n1"], leader: "n1")
        #expect(ClusterBalance.plan(node: "n1", view: crowded, mayTakeExpired: true).release == [2, 3])
        let alone = view(["n1"], ["n1", "n1", "n1", "n1"], leader: "n1")
        #expect(ClusterBalance.plan(node: "n1", view: alone, mayTakeExpired: true).release.isEmpty)
    }

    @Test("expired leases are taken only by a node that has seen the database for a lease timeout")
    func expiredOnlyWhenSettled() {
        let v = view(["n2"], ["n1", "n1", "n2", "n2"], leader: "n1", expired: [0, 1])
        #expect(ClusterBalance.plan(node: "n2", view: v, mayTakeExpired: false).take.isEmpty)
        #expect(ClusterBalance.plan(node: "n2", view: v, mayTakeExpired: true).take == [.partition(0), .partition(1)])
    }
}
