/// Readings folded into hourly aggregates per numeric field (count, min, max, sum, last), as
/// retention keeps them (`reading_aggregates`) when it drops raw readings, on either engine.
public struct HourlyAggregates: Sendable {
    public struct HourField: Hashable, Sendable {
        /// The start of the hour (UTC), epoch ms.
        public let hour: Int64
        public let field: String
    }

    public struct Aggregate: Sendable {
        public var count = 0
        public var min = Double.infinity
        public var max = -Double.infinity
        public var sum = 0.0
        public var last = 0.0
        public var lastTs = Int64.min

        mutating func add(_ v: Double, at ts: Int64) {
            count += 1
            min = Swift.min(min, v)
            max = Swift.max(max, v)
            sum += v
            if ts >= lastTs { last = v; lastTs = ts }
        }
    }

    public private(set) var byHour: [HourField: Aggregate] = [:]

    public init() {}

    /// Adds the value of `field` read at `ts` to its hour.
    public mutating func add(_ value: Double, field: String, at ts: Int64) {
        let hour = ts - ((ts % 3_600_000) + 3_600_000) % 3_600_000
        byHour[HourField(hour: hour, field: field), default: Aggregate()].add(value, at: ts)
    }
}
