import Domain
import Foundation
import Logging
import ServiceLifecycle

/// Runs the ingest pipeline under swift-service-lifecycle: started with the service group,
/// drained on graceful shutdown (SIGTERM/SIGINT): stop reading, commit, disconnect.
public struct PipelineService: Service {
    public let pipeline: IngestPipeline

    public init(pipeline: IngestPipeline) { self.pipeline = pipeline }

    /// Starts the pipeline, waits for graceful shutdown, then stops it: drain, commit, disconnect.
    public func run() async throws {
        pipeline.start()
        try? await gracefulShutdown()
        let pipeline = pipeline
        // stop() blocks until the worker has drained; keep it off the cooperative pool.
        if !(await onThreadOfItsOwn { pipeline.stop() }) { throw PipelineError.finalCommitFailed }
    }
}

/// Runs blocking work (a drain, a final commit) on a thread of its own and awaits its answer, so
/// no thread of the cooperative pool waits on it.
public func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
        Thread { c.resume(returning: body()) }.start()
    }
}

/// Why the pipeline could not stop cleanly.
public enum PipelineError: Error, CustomStringConvertible {
    case finalCommitFailed
    public var description: String { "the final commit failed: some received messages are not stored" }
}
