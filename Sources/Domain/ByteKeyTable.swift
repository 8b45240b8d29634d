/// A read-only table from byte strings to integers, looked up with raw bytes: how the ingest
/// worker matches a topic's device id, a gateway or a field name against the registry without
/// building a `String` (and hashing it with a seeded `Hasher`) for every message.
///
/// Open addressing with linear probing over a power-of-two slot array at most half full; keys
/// live in one contiguous byte arena. Built once per registry or type snapshot; lookups never
/// allocate. Only registered keys are stored, so a hostile lookup cannot lengthen the probes.
public struct ByteKeyTable: Sendable {
    private let arena: [UInt8]
    private let starts: [Int32]
    private let lengths: [Int32]
    private let hashes: [UInt64]
    private let values: [Int]
    /// Key positions plus one (0: empty).
    private let slots: [Int32]
    private let mask: Int

    /// `pairs` in order; a key given twice keeps its last value (as a dictionary assignment would).
    public init(_ pairs: some Sequence<(key: String, value: Int)>) {
        var arena: [UInt8] = []
        var starts: [Int32] = []
        var lengths: [Int32] = []
        var hashes: [UInt64] = []
        var values: [Int] = []
        let list = Array(pairs)
        var capacity = 8
        while capacity < list.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (key, value) in list {
            let bytes = Array(key.utf8)
            let h = fnv1a(bytes)
            var i = Int(truncatingIfNeeded: h) & mask
            var replaced = false
            while slots[i] != 0 {
                let k = Int(slots[i]) - 1
                if hashes[k] == h, Array(arena[Int(starts[k])..<Int(starts[k] + lengths[k])]) == bytes {
                    values[k] = value
                    replaced = true
                    break
                }
                i = (i + 1) & mask
            }
            if replaced { continue }
            starts.append(Int32(arena.count))
            lengths.append(Int32(bytes.count))
            arena += bytes
            hashes.append(h)
            values.append(value)
            slots[i] = Int32(values.count)
        }
        (self.arena, self.starts, self.lengths, self.hashes, self.values) = (arena, starts, lengths, hashes, values)
        (self.slots, self.mask) = (slots, mask)
    }

    public init(_ keys: [String]) {
        self.init(keys.enumerated().map { (key: $0.element, value: $0.offset) })
    }

    /// The value stored for exactly these bytes.
    public func value(for key: UnsafeRawBufferPointer) -> Int? {
        let h = fnv1a(key)
        var i = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBytes { a in
            while true {
                let s = Int(slots[i])
                if s == 0 { return nil }
                let k = s - 1
                if hashes[k] == h, Int(lengths[k]) == key.count,
                   key.count == 0 || memcmpEqual(a.baseAddress! + Int(starts[k]), key.baseAddress!, key.count) {
                    return values[k]
                }
                i = (i + 1) & mask
            }
        }
    }

    /// The value stored for exactly these bytes, trying the `guess`-th key given first (keys
    /// count from 0 in the order given, a repeated key once): one comparison instead of a hash
    /// and a probe when the guess is right, as it is for the fields of a message that follow
    /// their type's declared order.
    @inline(__always)
    public func value(for key: UnsafeRawBufferPointer, guess: Int) -> Int? {
        if guess < values.count, Int(lengths[guess]) == key.count, key.count > 0,
           arena.withUnsafeBytes({ memcmpEqual($0.baseAddress! + Int(starts[guess]), key.baseAddress!, key.count) }) {
            return values[guess]
        }
        return value(for: key)
    }

    /// The value stored for `key` (a `String`: the slow path, for code off the hot path).
    public func value(for key: String) -> Int? {
        var k = key
        return k.withUTF8 { value(for: UnsafeRawBufferPointer($0)) }
    }
}

/// Whether `n` bytes at `a` and `b` are equal: eight at a time, then the rest one by one.
@inline(__always)
private func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes are exactly `text`'s UTF-8, without copying either (a byte comparison
    /// of the string's own storage; the generic `elementsEqual` cost about 900 instructions a call).
    public func equals(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { u in
            u.count == count && (count == 0 || memcmpEqual(baseAddress!, u.baseAddress!, count))
        } ?? elementsEqual(text.utf8)
    }
}
