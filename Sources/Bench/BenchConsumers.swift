import Foundation
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
