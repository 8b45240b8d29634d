/// FNV-1a, 64 bit: stable across runs and platforms (Swift's `Hasher` is seeded per process).
@inlinable
public func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h = FNV1a()
    h.add(bytes)
    return h.value
}

/// FNV-1a fed in parts (several files' names and texts without joining them).
public struct FNV1a: Sendable {
    /// The hash so far (FNV-1a 64, from its offset basis).
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
    /// Adds `bytes` to the hash.
    @inlinable
    public mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    }
}

/// `v` as 16 lowercase hex digits.
public func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
