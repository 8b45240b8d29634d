import Domain

/// Messages received by the network thread, copied into one byte arena.
///
/// libmosquitto frees a message when its callback returns, so bytes must be copied; copying into
/// one growing buffer costs one allocation per batch instead of two per message, and handing the
/// worker a batch costs one queue operation per batch (a probe measured 75–90 % of a core at
/// 50 k msg/s for one hand-over per message, about 40 % for batches).
public struct MessageBatch: Sendable {
    /// Where one message's topic and payload lie in the arena, and when it arrived.
    public struct Entry: Sendable {
        let topicStart: Int32
        let topicLength: Int32
        let payloadStart: Int32
        let payloadLength: Int32
        public let receivedAt: Int64
    }

    public private(set) var bytes: [UInt8] = []
    public private(set) var entries: [Entry] = []
    /// When the first message of the batch arrived (monotonic ns), for the age limit.
    public private(set) var firstArrival: UInt64 = 0

    public init(expectedMessages: Int) {
        entries.reserveCapacity(expectedMessages)
        bytes.reserveCapacity(expectedMessages * 200)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Copies a message into the current batch; hands the batch over when it is full.
    public mutating func append(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64, monotonicNow: UInt64) {
        if entries.isEmpty { firstArrival = monotonicNow }
        let t = Int32(bytes.count)
        bytes.append(contentsOf: topic)
        let p = Int32(bytes.count)
        bytes.append(contentsOf: payload)
        entries.append(Entry(topicStart: t, topicLength: Int32(topic.count), payloadStart: p,
                             payloadLength: Int32(payload.count), receivedAt: receivedAt))
    }

    /// Calls `body` with each message's topic and payload bytes, in arrival order.
    public func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, Int64) -> Void) {
        bytes.withUnsafeBytes { all in
            for e in entries {
                let topic = UnsafeRawBufferPointer(rebasing: all[Int(e.topicStart)..<Int(e.topicStart + e.topicLength)])
                let payload = UnsafeRawBufferPointer(rebasing: all[Int(e.payloadStart)..<Int(e.payloadStart + e.payloadLength)])
                body(topic, payload, e.receivedAt)
            }
        }
    }
}

/// The batch the network thread fills, handed to `queue` when it holds `batchSize` messages or
/// its first is `maxAgeNanos` old. A value for one thread: the network thread's own.
public struct BatchFiller {
    private let queue: BoundedQueue<MessageBatch>
    private let batchSize: Int
    private let maxAgeNanos: UInt64
    private var batch: MessageBatch

    public init(queue: BoundedQueue<MessageBatch>, batchSize: Int, maxAgeNanos: UInt64) {
        (self.queue, self.batchSize, self.maxAgeNanos) = (queue, batchSize, maxAgeNanos)
        batch = MessageBatch(expectedMessages: batchSize)
    }

    /// Copies the message in; hands the batch over when it is full (waiting while the queue is).
    public mutating func append(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64, monotonicNow: UInt64) {
        batch.append(topic: topic, payload: payload, receivedAt: receivedAt, monotonicNow: monotonicNow)
        if batch.count >= batchSize { flush() }
    }

    /// Hands the current batch over if its first message waited longer than the batch age.
    public mutating func flushIfAged(monotonicNow: UInt64) {
        guard !batch.isEmpty, monotonicNow - batch.firstArrival >= maxAgeNanos else { return }
        flush()
    }

    /// Hands the current batch over now, if it holds anything.
    public mutating func flush() {
        guard !batch.isEmpty else { return }
        queue.push(batch)
        batch = MessageBatch(expectedMessages: batchSize)
    }
}
