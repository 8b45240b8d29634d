import Domain
import Foundation
import Records

/// Copies every table of one store into another, engine to engine (`equipwatch store copy`):
/// in key order and in batches, each batch its own transaction, so an interrupted copy resumes
/// after the last row it wrote; then verified, table by table, by row count and a checksum of
/// every row read back from both sides.
public enum StoreCopy {
    /// One table's outcome.
    public struct TableReport: Sendable, Equatable {
        public let table: String
        public let copied: Int
        public let sourceRows: Int
        public let targetRows: Int
        public let sourceChecksum: String
        public let targetChecksum: String
        public var matches: Bool { sourceRows == targetRows && sourceChecksum == targetChecksum }
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Copies `source` into `target`. `resume`: the target holds the rows of an interrupted
    /// copy (without it, a target with any row is refused). `progress` gets a line now and then.
    public static func run(from source: any TableCopying, to target: any TableCopying, resume: Bool, batch: Int = 5000,
                           progress: (String) -> Void = { _ in }) throws -> [TableReport] {
        let (a, b) = (try source.schemaIdentifiers(), try target.schemaIdentifiers())
        guard a == b else {
            throw Refusal(description: "the schemas differ: \(source.path) is at \(a.last ?? "nothing"), \(target.path) at \(b.last ?? "nothing"); open both with this binary first (equipwatch store stats)")
        }
        var columns: [String: [String]] = [:]
        for (table, _) in CopyCatalog.tables {
            let (s, t) = (try source.columns(of: table), try target.columns(of: table))
            guard Set(s) == Set(t) else {
                throw Refusal(description: "table \(table) has columns \(s.joined(separator: ", ")) in \(source.path) but \(t.joined(separator: ", ")) in \(target.path)")
            }
            columns[table] = s
        }
        if !resume {
            for (table, _) in CopyCatalog.tables {
                let n = try target.rowCount(of: table)
                guard n == 0 else {
                    throw Refusal(description: "\(target.path) is not empty (\(n) rows in \(table)): copy into an empty store, or add --resume to finish an interrupted copy into it")
                }
            }
        }
        var copied: [String: Int] = [:]
        for (table, key) in CopyCatalog.tables {
            let cols = columns[table]!
            let keyAt = key.map { cols.firstIndex(of: $0)! }
            let total = try source.rowCount(of: table)
            var done = try target.rowCount(of: table)
            var after = done > 0 ? try target.lastKey(of: table, key: key) : nil
            if done > 0 { progress("\(table): resuming after \(done) rows") }
            var lastReport = Date()
            copied[table] = 0
            while true {
                let rows = try source.rows(of: table, columns: cols, key: key, after: after, limit: batch)
                guard let last = rows.last else { break }
                try target.insert(into: table, columns: cols, rows: rows)
                after = keyAt.map { last[$0] }
                done += rows.count
                copied[table, default: 0] += rows.count
                if Date().timeIntervalSince(lastReport) >= 2 {
                    progress("\(table): \(done) of \(total) rows")
                    lastReport = Date()
                }
                if rows.count < batch { break }
            }
            progress("\(table): \(done) rows")
        }
        try target.finishCopy()
        progress("verifying: row counts and checksums of both sides")
        return try CopyCatalog.tables.map { table, key in
            let cols = columns[table]!
            let (sourceRows, sourceSum) = try checksum(source, table, cols, key, batch)
            let (targetRows, targetSum) = try checksum(target, table, cols, key, batch)
            return TableReport(table: table, copied: copied[table] ?? 0, sourceRows: sourceRows, targetRows: targetRows,
                               sourceChecksum: sourceSum, targetChecksum: targetSum)
        }
    }

    /// The rows of `table` and the SHA-256 of their values in key order (`CopyValue.digest`).
    public static func checksum(_ store: any TableCopying, _ table: String, _ columns: [String], _ key: [String],
                                _ batch: Int = 5000) throws -> (rows: Int, sha256: String) {
        let keyAt = key.map { columns.firstIndex(of: $0)! }
        var hasher = SHA256.Stream()
        var after: [CopyValue]?
        var n = 0
        while true {
            let rows = try store.rows(of: table, columns: columns, key: key, after: after, limit: batch)
            for row in rows { for v in row { v.digest(into: &hasher) } }
            n += rows.count
            guard let last = rows.last, rows.count == batch else { break }
            after = keyAt.map { last[$0] }
        }
        return (n, hasher.finishHex())
    }
}
