/// Which partition of a cluster a gateway belongs to (docs/cluster.md): a stable hash of its id
/// (64-bit FNV-1a of the UTF-8 bytes) modulo the cluster's partition count. Every message of a
/// gateway's devices lands in the same partition, so its order, sequence windows, rule windows and
/// maintenance planner stay with one node at a time. Stable across processes, machines and
/// releases: a change here would move every gateway, so it is fixed by a test on known values.
public enum Partitioning {
    public static func partition(ofGateway gateway: String, count: Int) -> Int {
        precondition(count > 0, "a cluster has at least one partition")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in gateway.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }
}
