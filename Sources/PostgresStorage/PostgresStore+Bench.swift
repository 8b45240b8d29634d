import Domain
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Records
import Synchronization

/// What `equipwatch bench --store postgres://…` needs of the engine: scratch databases for its
/// phases, and the ways a batch of readings can be written, measured side by side.
extension PostgresStore {
    /// A new empty database beside the one `url` names (its user needs CREATEDB), with the
    /// schema made, and how to drop it. The named database itself is not touched.
    public static func scratch(url: String, localDays: LocalDays = .china) throws(StoreError) -> (store: PostgresStore, drop: @Sendable () -> Void) {
        let base = try PostgresURL(parsing: url)
        let name = "equipwatch_scratch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let admin = PostgresConnections(configuration: try base.configuration(), description: base.description, logger: Logger(label: "equipwatch.bench"))
        do { try admin.with { s in _ = try s.execute("CREATE DATABASE \(name)") } }
        catch { throw StoreError(postgres: error, operation: "create a scratch database").opening(base.description) }
        var scratch = base
        scratch.database = name
        let store = try PostgresStore(url: scratch.urlText, localDays: localDays)
        return (store, {
            try? admin.with { s in
                try s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()", [name])
                try s.execute("DROP DATABASE IF EXISTS \(name)")
            }
            admin.close()
        })
    }

    /// Readings per second written three ways, `perTransaction` at a time, into this (scratch)
    /// store's `readings`: one INSERT per row, multi-row INSERTs (what `commit` does), and COPY.
    public func measureReadingInserts(rows: Int, perTransaction: Int = 10_000) throws -> [(way: String, rowsPerSecond: Double)] {
        let data = #"{"speed_mps":1.52,"load_pct":42,"floor":7,"moving":true,"door_locked":true,"run_count":123456}"#
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try makePartitions(spanning: now, now + 1)
        var id: Int64 = 1
        func chunks(_ body: (SQLSession, Range<Int>) throws -> Void) throws -> Double {
            let started = Date()
            var i = 0
            while i < rows {
                let end = min(rows, i + perTransaction)
                try connections.write { s in try body(s, i..<end) }
                i = end
            }
            return Double(rows) / Date().timeIntervalSince(started)
        }
        func row(_ k: Int) -> [any SQLBindable] {
            defer { id += 1 }
            return [id, Int64(k % 300), now + Int64(k % 1000), Int64(k), now, data]
        }
        let single = try chunks { s, range in
            for k in range { try s.execute("INSERT INTO readings(id, device_num, ts, seq, received_at, data) VALUES (?,?,?,?,?,?)", row(k)) }
        }
        let multi = try chunks { s, range in
            try Self.insertRows("readings(id, device_num, ts, seq, received_at, data)", range.map(row), s)
        }
        let copy = try chunks { s, range in
            var text = ""
            text.reserveCapacity(range.count * 140)
            for k in range {
                let escaped = data.replacingOccurrences(of: "\\", with: "\\\\")
                text += "\(id)\t\(k % 300)\t\(now + Int64(k % 1000))\t\(k)\t\(now)\t\(escaped)\n"
                id += 1
            }
            let buffer = ByteBuffer(string: text)
            let connection = s.connection
            let logger = s.logger
            try blocking {
                try await connection.copyFrom(table: "readings", columns: ["id", "device_num", "ts", "seq", "received_at", "data"], logger: logger) { writer in
                    try await writer.write(buffer)
                }
            }
        }
        return [("one INSERT a row", single), ("multi-row INSERT (Store.commit)", multi), ("COPY", copy)]
    }
}

/// Runs async work to completion from a plain thread (the bench's, never the async pool's).
private func blocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let failure = ErrorBox()
    Task.detached {
        do { try await body() } catch { failure.set(error) }
        done.signal()
    }
    done.wait()
    if let error = failure.error { throw error }
}

private final class ErrorBox: Sendable {
    private let stored = Mutex<(any Error)?>(nil)
    func set(_ e: any Error) { stored.withLock { $0 = e } }
    var error: (any Error)? { stored.withLock { $0 } }
}
