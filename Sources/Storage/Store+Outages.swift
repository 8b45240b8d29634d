import Domain
import Records
import GRDB

extension SQLiteStore {
    /// Records the start of an outage (`endedAt` nil) or its end; the same outage (cause and
    /// start) is one row however often it is written.
    public func recordOutage(cause: OutageCause, startedAt: Int64, endedAt: Int64?) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO pipeline_outages(cause, started_at, ended_at) VALUES (?, ?, ?)
                    ON CONFLICT(cause, started_at) DO UPDATE SET ended_at = COALESCE(excluded.ended_at, ended_at)
                    """, arguments: [cause.rawValue, startedAt, endedAt])
            }
        } catch {
            throw StoreError(operation: "record an outage", error)
        }
    }

    /// Outages, newest first.
    public func outages(limit: Int = 100, now: Int64) throws(StoreError) -> [OutageItem] {
        try rows(OutageItem.self, """
            SELECT id, cause, started_at, ended_at, (COALESCE(ended_at, ?) - started_at) / 1000 AS seconds
            FROM pipeline_outages ORDER BY started_at DESC, id DESC LIMIT ?
            """, [now, limit])
    }
}
