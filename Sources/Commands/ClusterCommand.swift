import ArgumentParser
import Domain
import Foundation
import Presentation
import Records

struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "The cluster of a PostgreSQL store: its nodes, who consumes which partitions, the leader.",
        discussion: """
            Nodes join with `equipwatch run --store postgres://… --node NAME` (docs/cluster.md).
            """,
        subcommands: [ClusterStatusCommand.self])
}

struct ClusterStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Nodes (address, started, last heartbeat), partitions per node, the leader, free or expired leases.",
        discussion: """
            Times are the database's clock. A node is live while its last heartbeat is within the lease \
            timeout; a lease past its expiry is taken over by another node once that node has seen the \
            database for a whole lease timeout.

            Example: equipwatch cluster status --store postgres://equipwatch@db/equipwatch --json
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON: {\"partitions\": P, \"leader\": NODE, \"nodes\": [{\"node\", \"partitions\", \"last_heartbeat\", …}], …}.")
    var json = false

    func run() throws {
        let store = try global.existingStore()
        guard let cluster = store as? any ClusterStore else {
            throw Refused("a cluster lives in a PostgreSQL store: give --store postgres://… (docs/cluster.md)")
        }
        guard let view = try cluster.clusterView() else { throw NotFound("no node has joined a cluster on this store yet") }
        let contacts = try cluster.partitionContacts(partitions: view.partitions)
        if json { Console.write(Self.json(view, contacts: contacts) + "\n") } else { Console.write(Self.text(view, contacts: contacts)) }
    }

    static func json(_ view: ClusterView, contacts: [Int: Int64]) -> String {
        func time(_ ms: Int64?) -> String { ms.map { "\"" + Timestamp.format($0) + "\"" } ?? "null" }
        func quoted(_ s: String?) -> String {
            guard let s else { return "null" }
            var out = ""
            JSONWriter.quote(s, into: &out)
            return out
        }
        func ints(_ xs: [Int]) -> String { "[" + xs.map(String.init).joined(separator: ",") + "]" }
        var w = JSONWriter()
        w.add("partitions", Int64(view.partitions))
        w.add("lease_timeout_ms", view.leaseTimeoutMs)
        w.add("leader", raw: quoted(view.leader))
        let nodes = view.nodes.map { n in
            var o = JSONWriter()
            o.add("node", .string(n.node))
            o.add("address", .string(n.address))
            o.add("live", .bool(n.live))
            o.add("started", raw: time(n.startedAt))
            o.add("last_heartbeat", raw: time(n.lastHeartbeat))
            o.add("heartbeat_age_ms", view.now - n.lastHeartbeat)
            o.add("partitions", raw: ints(view.partitions(of: n.node)))
            o.add("queued_batches", Int64(n.queued))
            o.add("last_commit", raw: time(n.lastCommitAt))
            return o.finish()
        }
        w.add("nodes", raw: "[" + nodes.joined(separator: ",") + "]")
        let leases = view.leases.map { l in
            var o = JSONWriter()
            o.add("lease", .string(l.lease == .leader ? "leader" : "\(l.lease.stored)"))
            o.add("node", raw: quoted(l.node))
            o.add("epoch", l.epoch)
            o.add("expired", .bool(l.expired))
            o.add("acquired", raw: time(l.acquiredAt))
            if case .partition(let p) = l.lease {
                o.add("last_contact", raw: time(contacts[p]))
                o.add("last_contact_age_ms", raw: contacts[p].map { String(view.now - $0) } ?? "null")
            }
            return o.finish()
        }
        w.add("leases", raw: "[" + leases.joined(separator: ",") + "]")
        w.add("free", raw: ints(view.leases.compactMap { l in l.node == nil && l.lease != .leader ? l.lease.stored : nil }))
        return w.finish()
    }

    static func text(_ view: ClusterView, contacts: [Int: Int64]) -> String {
        var out = "cluster: \(view.partitions) partitions, lease timeout \(view.leaseTimeoutMs) ms, leader \(view.leader ?? "none")\n"
        for n in view.nodes {
            let parts = view.partitions(of: n.node)
            out += "  \(n.node)  \(n.live ? "live" : "silent")  \(n.address)  started \(Timestamp.format(n.startedAt))"
            out += "  heartbeat \(view.now - n.lastHeartbeat) ms ago  \(parts.count) partitions \(parts)"
            out += "  queued \(n.queued) batches  last commit \(n.lastCommitAt.map { "\(view.now - $0) ms ago" } ?? "none")\n"
        }
        // How far behind each partition is, seen from the store: its devices' newest committed contact.
        let lag = view.leases.compactMap { l -> String? in
            guard case .partition(let p) = l.lease else { return nil }
            return "\(p): \(contacts[p].map { "\(view.now - $0) ms" } ?? "no contact yet")"
        }
        out += "  last contact per partition: \(lag.joined(separator: ", "))\n"
        let free = view.leases.filter { $0.node == nil && $0.lease != .leader }.map(\.lease.stored)
        let expired = view.leases.filter(\.expired).map(\.lease.description)
        if !free.isEmpty { out += "  free: \(free)\n" }
        if !expired.isEmpty { out += "  expired (awaiting takeover): \(expired.joined(separator: ", "))\n" }
        return out
    }
}
