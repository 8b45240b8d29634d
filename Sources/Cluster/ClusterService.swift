import Foundation
import Logging
import Pipeline
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
        if !(await onThreadOfItsOwn { member.stop() }) { throw PipelineError.finalCommitFailed }
    }
}
