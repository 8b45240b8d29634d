import Domain
import Records
import Foundation
import Synchronization

/// Readings are partitioned by month of their time (UTC), `readings_pYYYYMM`. A commit whose
/// readings fall in months without a partition first makes them (in a transaction of its own:
/// DDL takes locks the hot path should not hold); months more than `aheadLimit` from now go
/// to the default partition, so a device with a wild clock cannot make a thousand tables.
extension PostgresStore {
    /// How far ahead of now a month gets a partition of its own on demand.
    static let aheadMonths = 12
    /// How far back: older readings (a backlog, a copy) land in their month's partition too,
    /// unless older than this.
    static let behindMonths = 24

    /// The month (UTC) holding `ms`: its first instant and the next month's.
    static func month(of ms: Int64) -> (start: Int64, end: Int64, name: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let c = calendar.dateComponents([.year, .month], from: date)
        let start = calendar.date(from: c)!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        return (Int64(start.timeIntervalSince1970 * 1000), Int64(end.timeIntervalSince1970 * 1000),
                String(format: "readings_p%04d%02d", c.year!, c.month!))
    }

    /// Makes the partitions the readings of `messages` need, if they do not exist yet.
    func ensurePartitions(for messages: [AcceptedMessage]) throws(StoreError) {
        var lo = Int64.max, hi = Int64.min
        for m in messages where m.kind == .telemetry {
            lo = min(lo, m.ts)
            hi = max(hi, m.ts)
        }
        guard lo <= hi else { return }
        if let known = partitions.withLock({ $0 }), lo >= known.from, hi < known.to { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let earliest = Self.month(of: now - Int64(Self.behindMonths) * 31 * 86_400_000).start
        let latest = Self.month(of: now + Int64(Self.aheadMonths) * 31 * 86_400_000).start
        // Only the months the readings fall in (within the limits): the months ahead are made at
        // open (`prepareMonths`), so a commit makes one only when a month turns or a clock is off.
        var months: [(start: Int64, end: Int64, name: String)] = []
        var t = max(lo, earliest)
        let last = min(hi, latest)
        while t <= last {
            let m = Self.month(of: t)
            months.append(m)
            t = m.end
        }
        try makePartitions(months)
        // What is known to exist from now on: the contiguous span just made sure of.
        if let first = months.first, let final = months.last {
            partitions.withLock { known in
                if let k = known, k.from <= final.end, first.start <= k.to {
                    known = (min(k.from, first.start), max(k.to, final.end))
                } else if known == nil || (final.end - first.start) > (known!.to - known!.from) {
                    known = (first.start, final.end)
                }
            }
        }
    }

    /// This month's partition and the next two, made when the store opens: the commits of the
    /// coming weeks find theirs made, and none waits for DDL.
    func prepareMonths(now: Int64) throws(StoreError) {
        var months: [(start: Int64, end: Int64, name: String)] = []
        var t = now
        for _ in 0..<3 {
            let m = Self.month(of: t)
            months.append(m)
            t = m.end
        }
        try makePartitions(months)
        partitions.withLock { $0 = (months[0].start, months[2].end) }
    }

    /// Creates each missing month's partition: a table of its own, the default partition's rows
    /// of that month moved into it, then attached (attaching checks the default holds none).
    func makePartitions(_ months: [(start: Int64, end: Int64, name: String)]) throws(StoreError) {
        try write("make readings partitions") { s in
            try s.execute("SELECT pg_advisory_xact_lock(72616865)")
            let existing = Set(try s.rows("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'readings'
                """).compactMap { $0.text("relname") })
            for m in months where !existing.contains(m.name) {
                try s.execute("CREATE TABLE \(m.name) (LIKE readings INCLUDING DEFAULTS)")
                try s.execute("""
                    WITH moved AS (DELETE FROM readings_default WHERE ts >= \(m.start) AND ts < \(m.end) RETURNING *)
                    INSERT INTO \(m.name) SELECT * FROM moved
                    """)
                try s.execute("ALTER TABLE readings ATTACH PARTITION \(m.name) FOR VALUES FROM (\(m.start)) TO (\(m.end))")
            }
        }
    }

    /// Drops the month partitions that ended at or before `cutoff` and hold no readings any
    /// more (retention folded them into aggregates and deleted them): their files go at once,
    /// with no vacuum to wait for. Returns how many were dropped.
    public func dropEmptyPartitions(before cutoff: Int64) throws(StoreError) -> Int {
        try write("drop emptied readings partitions") { s in
            try s.execute("SELECT pg_advisory_xact_lock(72616865)")
            var dropped = 0
            for row in try s.rows("""
                SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'readings' AND c.relname LIKE 'readings_p%'
                """) {
                // FOR VALUES FROM ('…') TO ('…'): the last number is the month's end.
                guard let name = row.text("relname"), let bound = row.text("bound"),
                      let end = bound.split(whereSeparator: { !$0.isNumber && $0 != "-" }).compactMap({ Int64($0) }).last,
                      end <= cutoff, try s.int("SELECT 1 FROM \(name) LIMIT 1") == nil else { continue }
                try s.execute("ALTER TABLE readings DETACH PARTITION \(name)")
                try s.execute("DROP TABLE \(name)")
                dropped += 1
            }
            if dropped > 0 { partitions.withLock { $0 = nil } }
            return dropped
        }
    }
}
