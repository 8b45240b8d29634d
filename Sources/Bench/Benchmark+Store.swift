import Domain
import Foundation
import GRDB
import Records
import Storage

/// The store line of `equipwatch bench` on SQLite: insert paths side by side.
extension Benchmark {
    func storeComparison() throws -> (grdb: Double, raw: Double, grouped: Double) {
        let work = NSTemporaryDirectory() + "ew-bench-\(UUID().uuidString)"
        defer { removeScratch(work) }
        let a = try SQLiteStore(path: work + "/a.sqlite")
        let b = try SQLiteStore(path: work + "/b.sqlite")
        let data = #"{"speed_mps":1.52,"load_pct":42,"floor":7,"moving":true,"door_locked":true,"run_count":123456}"#
        let n = options.storeRows
        let t0 = Date()
        var i = 0
        while i < n {
            let end = min(n, i + 10_000)
            try a.write { db in
                let st = try db.cachedStatement(sql: "INSERT INTO readings(device_num, ts, seq, received_at, data) VALUES (?,?,?,?,?)")
                for k in i..<end { try st.execute(arguments: [Int64(k % 300), Int64(k), Int64(k), Int64(k), data]) }
            }
            i = end
        }
        let grdb = Double(n) / Date().timeIntervalSince(t0)
        /// Store.commit of every reading, 300 devices in turn, `step` ms apart: 1 ms puts a
        /// device's readings of one commit in one row (within 60 s), 1000 ms a row each.
        func commits(_ store: SQLiteStore, step: Int64) throws -> Double {
            let started = Date()
            var i = 0
            let bytes = JSONBytes(data)
            while i < n {
                let end = min(n, i + 10_000)
                var batch = CommitBatch()
                for k in i..<end {
                    batch.messages.append(AcceptedMessage(deviceNum: Int64(k % 300), entryIndex: 0, kind: .telemetry, ts: Int64(k) * step,
                                                          seq: UInt64(k), receivedAt: Int64(k), values: [], code: nil, data: bytes))
                }
                try store.commit(batch)
                i = end
            }
            return Double(n) / Date().timeIntervalSince(started)
        }
        let raw = try commits(b, step: 1000)
        let grouped = try commits(try SQLiteStore(path: work + "/c.sqlite"), step: 1)
        return (grdb, raw, grouped)
    }
}
