/// A page of readings, newest first, built from stored rows as they come (`ReadingRows`): rows
/// arrive by their latest reading, a row of several readings may hold older ones, so each
/// reading is inserted in order and the page stops at the first row older than its oldest
/// reading, as it would with a row per reading. Either engine builds its page here.
public struct ReadingPage {
    public let limit: Int
    public let from: Int64
    public let to: Int64
    public let after: PageCursor?
    /// The page so far, newest first, at most `limit`.
    public private(set) var items: [ReadingItem] = []

    public init(limit: Int, from: Int64, to: Int64, after: PageCursor?) {
        (self.limit, self.from, self.to, self.after) = (limit, from, to, after)
    }

    /// Whether a row whose latest reading is at `ts` (and every row after it) can add nothing.
    public func isComplete(before ts: Int64) -> Bool {
        guard items.count == limit, let oldest = items.last else { return false }
        return ts < oldest.ts.millis
    }

    /// Adds the readings of one row that lie in the range and after the cursor.
    public mutating func add(_ readings: [ReadingRows.Reading]?) {
        guard let readings else { return }
        func newer(_ a: (ts: Int64, id: Int64), than b: (ts: Int64, id: Int64)) -> Bool { a.ts != b.ts ? a.ts > b.ts : a.id > b.id }
        for r in readings where r.ts >= from && r.ts <= to {
            if let after, !newer((after.sort, after.id), than: (r.ts, r.id)) { continue }
            // Binary search for the first item older than r.
            var a = 0, b = items.count
            while a < b {
                let mid = (a + b) / 2
                if newer((items[mid].ts.millis, items[mid].id), than: (r.ts, r.id)) { a = mid + 1 } else { b = mid }
            }
            guard a < limit else { continue }
            items.insert(ReadingItem(id: r.id, ts: Instant(millis: r.ts), seq: r.seq, receivedAt: Instant(millis: r.receivedAt),
                                     data: RawJSON(r.data)), at: a)
            if items.count > limit { items.removeLast() }
        }
    }
}
