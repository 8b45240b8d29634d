import Domain
import Foundation
import Logging
import MQTT
import Services
import Pipeline
import Settings

/// The pipeline's transport with nothing behind it: the network thread copies each message into
/// a `MessageBatch` and hands full or aged batches over a `BoundedQueue` to a second thread,
/// which reads every message's bytes and discards them.
///
/// Its rate is the most any two-thread pipeline could reach on this machine, whatever its worker
/// costs: the bench prints it beside the pipeline's, and from the two the most the worker could
/// cost a message for the targets to be met (`Benchmark.ceilingText`). It takes no credits from
/// an uncommitted gate (the pipeline's one lock per 100 messages), so the ceiling errs high.
struct HandOverConsumer: Consumer {
    private let loop: SubscriberLoop
    private let side: Side
    private let queue: BoundedQueue<MessageBatch>
    private let counter = Counter()
    private let done = DispatchSemaphore(value: 0)

    init(settings: Settings, qos: Int32, logger: Logger) throws {
        let queue = BoundedQueue<MessageBatch>(capacity: settings.ingest.queueBatches)
        let side = Side(queue: queue, batchSize: settings.ingest.networkBatch,
                        maxAgeNanos: UInt64(settings.ingest.networkBatchAge.milliseconds) * 1_000_000)
        let options = MQTTOptions(host: settings.broker.endpoint.host, port: settings.broker.endpoint.port,
                                  clientId: settings.broker.clientId, cleanSession: false)
        loop = try SubscriberLoop(config: .init(options: options, subscriptions: ["equipwatch/v1/+/+/+"], qos: qos), logger: logger,
                                  message: { topic, payload in side.receive(topic, payload) },
                                  idle: { side.flushIfAged() })
        (self.side, self.queue) = (side, queue)
    }

    func start() throws {
        let (queue, counter, done) = (queue, counter, done)
        let reader = Thread {
            var bytes = 0
            // (A finite deadline: Foundation's `NSCondition.wait(until:)` traps on `.distantFuture`.)
            loop: while true {
                switch queue.pop(until: Date().addingTimeInterval(1)) {
                case .element(let batch):
                    batch.forEach { topic, payload, _ in bytes &+= topic.count &+ payload.count }
                    counter.increment(by: batch.count)
                case .timedOut: continue
                case .finished: break loop
                }
            }
            if bytes < 0 { print(bytes) }   // keeps the reads from being optimised away
            done.signal()
        }
        reader.name = "bench-hand-over"
        reader.start()
        loop.start()
        while !loop.isConnected { Thread.sleep(forTimeInterval: 0.001) }
    }

    func stop() throws {
        loop.stop()
        side.flush()
        queue.close()
        done.wait()
        loop.disconnect()
    }

    var progress: Int { counter.value }

    /// The batch being filled; touched only by the network thread (as the pipeline's own).
    private final class Side: @unchecked Sendable {
        private var filler: BatchFiller

        init(queue: BoundedQueue<MessageBatch>, batchSize: Int, maxAgeNanos: UInt64) {
            filler = BatchFiller(queue: queue, batchSize: batchSize, maxAgeNanos: maxAgeNanos)
        }

        func receive(_ topic: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) {
            filler.append(topic: topic, payload: payload, receivedAt: wallMillis(), monotonicNow: monotonicNanos())
        }

        func flushIfAged() { filler.flushIfAged(monotonicNow: monotonicNanos()) }

        func flush() { filler.flush() }
    }
}
