import Domain

// Replay order: messages read by their row's latest reading wait here until nothing still to
// come can be earlier (`Store.forEachMessage`, either engine).

extension ReplayHeap {
    /// A message read for a replay, waiting for its turn.
    public struct Pending {
        public struct Key: Comparable {
            public let ts: Int64
            public let isEvent: Bool
            public let id: Int64
            public init(ts: Int64, isEvent: Bool, id: Int64) { (self.ts, self.isEvent, self.id) = (ts, isEvent, id) }
            public static func < (a: Key, b: Key) -> Bool {
                if a.ts != b.ts { return a.ts < b.ts }
                if a.isEvent != b.isEvent { return !a.isEvent }
                return a.id < b.id
            }
        }
        public let key: Key
        public let message: StoredMessage
        public init(key: Key, message: StoredMessage) { (self.key, self.message) = (key, message) }
    }
}

/// A binary min-heap of pending messages by key.
public struct ReplayHeap {
    public init() {}
    private var items: [Pending] = []

    public var min: Pending? { items.first }

    public mutating func insert(_ p: Pending) {
        items.append(p)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].key < items[parent].key else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    public mutating func removeMin() -> Pending {
        let top = items[0]
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, items[l].key < items[m].key { m = l }
            if r < items.count, items[r].key < items[m].key { m = r }
            guard m != i else { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
