/// Append-only storage that the messages of a stream share, so that accepting a healthy message
/// allocates nothing: its values and its `data` bytes are written into the current block of an
/// arena, and the message keeps a reference to the block and its place in it (`FieldValues`,
/// `JSONBytes`). A block holds a few hundred messages' worth; it is freed when the last message
/// that refers to it goes (after their commit), so memory follows the uncommitted messages.
///
/// Why not arrays: an array per message is one `malloc` and one `free` per message on the
/// worker's thread (issue 16 measured both per stage in `Benchmarks/StageCost`).
///
/// Thread safety: a block's elements are written once, by the one `ArenaWriter` filling it, and
/// only before the slice that covers them exists; after that they are only read, from any
/// thread the messages travel to. `count` is only read in `deinit`, when no writer is left.
public final class ArenaBlock<Element: Sendable>: @unchecked Sendable {
    /// The first element. Writing is for the writer that appended an element, and only until
    /// it hands out a slice covering it.
    public let base: UnsafeMutablePointer<Element>
    @usableFromInline let capacity: Int
    /// Elements initialised so far (from the start); the writer's to change.
    @usableFromInline var count = 0

    @usableFromInline init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    /// A block holding exactly `elements`: what a value made outside the worker's stream needs.
    @usableFromInline convenience init(_ elements: some Collection<Element>) {
        self.init(capacity: Swift.max(1, elements.count))
        _ = UnsafeMutableBufferPointer(start: base, count: capacity).initialize(fromContentsOf: elements)
        count = elements.count
    }

    deinit {
        // A generic class's deinit runs unspecialised: `deinitialize` would destroy each value
        // through its type's witness, about 70 instructions a field value (880 a message of the
        // sample's mix, under callgrind). The values' blocks get a specialised loop.
        if Element.self == Scalar?.self {
            UnsafeMutableRawPointer(base).assumingMemoryBound(to: Scalar?.self).deinitialize(count: count)
        } else {
            base.deinitialize(count: count)
        }
        base.deallocate()
    }
}

/// Fills arena blocks, starting a new one when the current one cannot hold the next slice.
///
/// A value type for convenience (it lives inside `IngestOutput`); if it is copied and both copies
/// write, the second to write notices that the block has moved on without it and starts a
/// block of its own, so slices never overlap.
public struct ArenaWriter<Element: Sendable>: Sendable {
    @usableFromInline var block: ArenaBlock<Element>?
    /// Where this writer's next element goes in `block`.
    @usableFromInline var end = 0
    @usableFromInline let blockCapacity: Int

    public init(blockCapacity: Int) {
        precondition(blockCapacity > 0)
        self.blockCapacity = blockCapacity
    }

    /// Appends `n` copies of `value`, contiguous in one block, and returns the block and the
    /// first one's position: the caller may overwrite them (through `block.base`) until it hands
    /// out a slice covering them.
    @inlinable
    public mutating func append(repeating value: Element, count n: Int) -> (block: ArenaBlock<Element>, start: Int) {
        let b = room(for: n)
        let start = end
        (b.base + start).initialize(repeating: value, count: n)
        end += n
        b.count = end
        return (b, start)
    }

    /// Appends `elements`, contiguous in one block; returns the block and the first's position.
    @inlinable
    public mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) -> (block: ArenaBlock<Element>, start: Int) {
        let b = room(for: elements.count)
        let start = end
        if let from = elements.baseAddress { (b.base + start).initialize(from: from, count: elements.count) }
        end += elements.count
        b.count = end
        return (b, start)
    }

    /// The current block if it has room for `n` more elements after this writer's end, else a
    /// new one (of at least `n`).
    @inlinable
    mutating func room(for n: Int) -> ArenaBlock<Element> {
        if let b = block, b.count == end, b.capacity - end >= n { return b }
        let b = ArenaBlock<Element>(capacity: Swift.max(blockCapacity, n))
        block = b
        end = 0
        return b
    }
}

/// A message's telemetry values by declared field position (`nil` where the message did not
/// carry the field): a slice of an arena block, so a message costs no allocation of its own.
public struct FieldValues: RandomAccessCollection, Sendable, ExpressibleByArrayLiteral {
    @usableFromInline let block: ArenaBlock<Scalar?>?
    @usableFromInline let start: Int32
    public let count: Int

    /// The slice `start..<start + count` of `block`, whose elements are written and final.
    @inlinable
    public init(block: ArenaBlock<Scalar?>, start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start + count <= block.count)
        self.block = block
        self.start = Int32(start)
        self.count = count
    }

    /// Values in a block of their own (tests, replays, the derived fields of a fill).
    public init(_ values: some Collection<Scalar?>) {
        if values.isEmpty {
            self.init()
        } else {
            let b = ArenaBlock<Scalar?>(values)
            self.init(block: b, start: 0, count: values.count)
        }
    }

    public init(arrayLiteral elements: Scalar?...) { self.init(elements) }

    /// No values (an event).
    public init() {
        block = nil
        start = 0
        count = 0
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    /// Calls `body` with the values in place; valid only during the call.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar?>) throws -> R) rethrows -> R {
        guard let block else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: block.base + Int(start), count: count))
    }

    @inlinable
    public subscript(i: Int) -> Scalar? {
        precondition(i >= 0 && i < count, "field position out of range")
        return block.unsafelyUnwrapped.base[Int(start) + i]
    }
}

/// A JSON text as the UTF-8 bytes a gateway sent (already validated), held in an arena block:
/// a message's `data`, stored byte for byte without a `String` of its own.
public struct JSONBytes: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    @usableFromInline let block: ArenaBlock<UInt8>
    @usableFromInline let start: Int32
    public let count: Int

    /// The slice `start..<start + count` of `block`, whose bytes are written and final.
    @inlinable
    public init(block: ArenaBlock<UInt8>, start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start + count <= block.count)
        self.block = block
        self.start = Int32(start)
        self.count = count
    }

    /// The text's bytes in a block of their own.
    public init(_ text: String) {
        if text == "{}" {
            self = .emptyObject
        } else {
            let utf8 = Array(text.utf8)
            self.init(block: ArenaBlock(utf8), start: 0, count: utf8.count)
        }
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self.init(String(stringInterpolation: stringInterpolation)) }

    /// `{}`: the `data` of a message that sent none, shared.
    public static let emptyObject: JSONBytes = {
        let utf8 = Array("{}".utf8)
        return JSONBytes(block: ArenaBlock(utf8), start: 0, count: utf8.count)
    }()

    /// Calls `body` with the bytes; they stay valid only during the call.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: block.base + Int(start), count: count))
    }

    /// The text as a `String` (allocates beyond 15 bytes: for everything but the hot path).
    public var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    public var description: String { string }

    public static func == (a: JSONBytes, b: JSONBytes) -> Bool {
        a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
}
