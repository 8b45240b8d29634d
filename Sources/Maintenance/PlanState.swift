import Domain

/// The maintenance regime a device is on (SPEC §11).
public enum Regime: String, Sendable, Codable {
    case fixed
    case onDemand = "on_demand"
}

/// One device's maintenance state: its current cycle (since the last completed maintenance),
/// usage counters, recent faults, regime and monitoring health. Small and constant in size;
/// persisted as JSON so a restart resumes the cycle.
public struct PlanState: Codable, Sendable, Equatable {
    /// Start of the current cycle: the last completed maintenance, or when the planner first
    /// saw the device (no earlier maintenance is known).
    public var baselineAt: Int64
    /// Id of the last maintenance record applied (0: none yet).
    public var record: Int64
    public var counters: NamedValues<CounterState>
    /// Times of recent fault events, oldest first (at most the trigger's count).
    public var faults: [Int64]
    public var regime: Regime
    public var regimeSince: Int64
    /// How many times the regime changed: numbers `regime_changed` notices for deduplication.
    var regimeChanges: Int
    /// Arrival time of the device's newest message.
    public var lastSeen: Int64?
    /// When the device last came back from a silence beyond the limit.
    var lastGapEndedAt: Int64?
    /// The due maintenance of this cycle, once a trigger fired.
    public var due: Due?
    /// Item tiers with their own cycles (quarterly, half-yearly, yearly), by name; absent in
    /// states written before tiers (each then starts from the cycle's baseline).
    public var tiers: NamedValues<TierState>?

    public init(baselineAt: Int64, regime: Regime) {
        self.baselineAt = baselineAt
        record = 0
        counters = NamedValues()
        faults = []
        self.regime = regime
        regimeSince = baselineAt
        regimeChanges = 0
        due = nil
    }

    /// A fired trigger: what made maintenance due, and by when it must be done.
    public struct Due: Codable, Sendable, Equatable {
        public var trigger: String
        public var reason: String
        /// The reason in Chinese; absent in states written before it.
        public var reasonZh: String?
        public var at: Int64
        public var dueBy: Int64
        public var overdue: Bool
    }
}

/// One item tier's cycle: when its items were last done, and which of its due date's notices
/// went out (`due` names the date they were for).
public struct TierState: Codable, Sendable, Equatable {
    public var doneAt: Int64
    public var due: Int64?
    public var notified = false
    public var overdue = false

    public init(doneAt: Int64) { self.doneAt = doneAt }
}

/// A monotonic usage counter as the planner follows it: the last value reported and the usage
/// accumulated since the cycle began.
///
/// Counters are cumulative on the device (runs, door cycles, hours), so usage is the sum of the
/// increments between consecutive readings. A reading lower than the previous one is either a
/// wrap-around (the previous value was in the top tenth of the declared range and the new one
/// in the bottom tenth: the increment runs through the wrap) or a reset (a replaced controller:
/// the counter restarted from zero, so the new value is the increment). Readings older than the
/// newest one seen are ignored, so out-of-order delivery never looks like a reset.
public struct CounterState: Codable, Sendable, Equatable {
    public var last: Double
    public var lastTs: Int64
    public var used: Double
    public var resets: Int

    /// What one counter reading did: the first seen, counted forward, wrapped, a reset to zero,
    /// ignored, jitter or a new base.
    public enum Step: Equatable, Sendable {
        case first, increment, wrap, reset, ignored
        /// A decrease within the tolerance: rounding or jitter, nothing changes.
        case jitter
        /// A decrease that is neither jitter, a wrap nor a restart from zero: the counter is
        /// followed from the new value on, and nothing is counted.
        case rebased
    }

    public init(first value: Double, ts: Int64) {
        last = value
        lastTs = ts
        used = 0
        resets = 0
    }

    /// The fraction of the range that counts as "near the top" or "near the bottom" for a wrap.
    static let wrapBand = 0.1

    /// Counts a new reading of a usage counter: the use since maintenance grows, wraps and resets
    /// are told apart.
    public mutating func observe(_ value: Double, ts: Int64, wrapAt: Double?, tolerance: Double = 0, resetBelow: Double = 0) -> Step {
        guard ts >= lastTs else { return .ignored }
        if value >= last {
            used += value - last
            last = value
            lastTs = ts
            return .increment
        }
        lastTs = ts
        // Keep the higher value: climbing back to it is not usage a second time.
        if last - value <= tolerance { return .jitter }
        defer { last = value }
        if let wrapAt, wrapAt > 0, last >= wrapAt * (1 - Self.wrapBand), value <= wrapAt * Self.wrapBand {
            used += (wrapAt - last) + value
            return .wrap
        }
        if value <= resetBelow {
            used += value
            resets += 1
            return .reset
        }
        return .rebased
    }
}

/// A few values by name, kept as one array sorted by name: what a device's counters and tiers
/// are (two or three each). Persisted as the JSON object a dictionary would be, so stored
/// states read the same; in memory it is an array, where a dictionary of two or three entries
/// took a hash table each (35 MB for the counters and tiers of 88 k devices after a restart).
public struct NamedValues<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    private var entries: [(key: String, value: Value)] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, Value)...) {
        for (k, v) in elements { self[k] = v }
    }

    /// The position of `key` (for `subscript(at:)`), nil when it has no value.
    public func index(forKey key: String) -> Int? { entries.firstIndex { $0.key == key } }

    /// The value at a position `index(forKey:)` gave, changed in place.
    public subscript(at i: Int) -> Value {
        get { entries[i].value }
        set { entries[i].value = newValue }
    }

    public subscript(key: String) -> Value? {
        get { index(forKey: key).map { entries[$0].value } }
        set {
            if let i = index(forKey: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                let at = entries.firstIndex { $0.key > key } ?? entries.count
                entries.insert((key, newValue), at: at)
            }
        }
    }

    /// The names, in order.
    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: Value)]> { entries.makeIterator() }

    public static func == (a: Self, b: Self) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    private struct NameKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: NameKey.self)
        var read: [(key: String, value: Value)] = []
        read.reserveCapacity(c.allKeys.count)
        for k in c.allKeys { read.append((k.stringValue, try c.decode(Value.self, forKey: k))) }
        read.sort { $0.key < $1.key }
        entries = read
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: NameKey.self)
        for (k, v) in entries { try c.encode(v, forKey: NameKey(stringValue: k)) }
    }
}
