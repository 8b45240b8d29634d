import Foundation
import Logging
import ServiceLifecycle

/// Runs a cluster node under swift-service-lifecycle: joined at start, and on graceful shutdown
/// (SIGTERM/SIGINT) its engine commits, its sessions close and its leases are released, so a
/// rolling upgrade hands every partition over with nothing lost and nothing processed twice.
public struct ClusterService: Service {
    public let member: ClusterMember

    public init(member: ClusterMember) { self.member = member }

    public func run() async throws {
        try member.start()
        try? await gracefulShutdown()
        let member = member
        let ok = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            // stop() blocks until the engine has committed; keep it off the cooperative pool.
            Thread { c.resume(returning: member.stop()) }.start()
        }
        if !ok { throw ClusterError.finalCommitFailed }
    }
}

public enum ClusterError: Error, CustomStringConvertible {
    case finalCommitFailed
    public var description: String { "the final commit failed: some received messages are not stored" }
}
