import Domain

/// Everything validation produced from a slice of messages, in arrival order per kind.
public struct IngestOutput: Sendable {
    public var accepted: [AcceptedMessage] = []
    public var deadLetters: [DeadLetter] = []
    public var gatewayStatuses: [GatewayStatus] = []
    /// Where accepted messages' values and `data` bytes are written: blocks shared by the
    /// messages (see `ArenaBlock`), so a healthy message allocates nothing of its own. Kept
    /// across `removeAll`: messages handed on still refer to the blocks, which go with them.
    public var values = ArenaWriter<Scalar?>(blockCapacity: 4096)
    public var text = ArenaWriter<UInt8>(blockCapacity: 65_536)

    public init() {}

    /// `values` as the arena's slice: the general path's values, copied once.
    mutating func fieldValues(_ values: [Scalar?]) -> FieldValues {
        guard !values.isEmpty else { return FieldValues() }
        let (block, start) = values.withUnsafeBufferPointer { self.values.append(contentsOf: $0) }
        return FieldValues(block: block, start: start, count: values.count)
    }

    /// `bytes` (a validated JSON text) as the arena's slice.
    mutating func jsonBytes(_ bytes: UnsafeRawBufferPointer) -> JSONBytes {
        let (block, start) = text.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        return JSONBytes(block: block, start: start, count: bytes.count)
    }

    /// Empties every list, keeping the capacity for the next batch.
    public mutating func removeAll() {
        accepted.removeAll(keepingCapacity: true)
        deadLetters.removeAll(keepingCapacity: true)
        gatewayStatuses.removeAll(keepingCapacity: true)
    }

    public var isEmpty: Bool { accepted.isEmpty && deadLetters.isEmpty && gatewayStatuses.isEmpty }
}

