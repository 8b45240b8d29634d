import Foundation
import Services
import Synchronization
import MQTT
import Pipeline

/// What the throughput phases drive: the bare subscriber or the pipeline.
protocol Consumer {
    func start() throws
    func stop() throws
    /// Messages received (bare) or readings committed (pipeline).
    var progress: Int { get }
}

struct BareConsumer: Consumer {
    let loop: SubscriberLoop
    let counter: Counter
    /// The network thread's CPU clock and its reading at the first message.
    let clock: ThreadClock
    func start() throws {
        loop.start()
        while !loop.isConnected { Thread.sleep(forTimeInterval: 0.001) }
    }
    func stop() throws {
        loop.stop()
        loop.disconnect()
    }
    var progress: Int { counter.value }
}

struct PipelineConsumer: Consumer {
    let pipeline: IngestPipeline
    func start() throws {
        pipeline.start()
        while !pipeline.isConnected { Thread.sleep(forTimeInterval: 0.001) }
    }
    func stop() throws { pipeline.stop() }
    var progress: Int { pipeline.stats.accepted }
}

/// The CPU time one thread spends from a mark onwards: `mark()` on that thread (the bare
/// subscriber's network thread, at its first message), `seconds` from any thread while it runs.
final class ThreadClock: Sendable {
    private let state = Mutex<(clock: clockid_t, start: Double)?>(nil)
    private let marked = Atomic(false)

    /// Marks the calling thread, once: later calls cost one relaxed load.
    func mark() {
        guard !marked.load(ordering: .relaxed) else { return }
        marked.store(true, ordering: .relaxed)
        state.withLock { s in
            guard s == nil, let id = currentThreadCPUClock() else { return }
            s = (id, cpuSeconds(of: id))
        }
    }

    /// CPU seconds the marked thread has spent since its mark; nil before a mark.
    var seconds: Double? {
        state.withLock { s in s.map { cpuSeconds(of: $0.clock) - $0.start } }
    }
}
