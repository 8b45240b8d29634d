import Domain
import Records
import Foundation
import GRDB

/// `equipwatch store copy` on SQLite: rows as plain values, by their key.
extension SQLiteStore: TableCopying {
    public func schemaIdentifiers() throws(StoreError) -> [String] {
        do { return try appliedMigrations() } catch { throw StoreError(operation: "read the schema version", error) }
    }

    public func columns(of table: String) throws(StoreError) -> [String] {
        do { return try pool.read { db in try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table]).map { $0["name"] } } }
        catch { throw StoreError(operation: "read the columns of \(table)", error) }
    }

    public func rows(of table: String, columns: [String], key: [String], after: [CopyValue]?, limit: Int) throws(StoreError) -> [[CopyValue]] {
        let keys = key.joined(separator: ", ")
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table)"
        var arguments = StatementArguments()
        if let after {
            sql += " WHERE (\(keys)) > (\(Array(repeating: "?", count: key.count).joined(separator: ", ")))"
            arguments = StatementArguments(after.map(\.databaseValue))
        }
        sql += " ORDER BY \(keys) LIMIT \(limit)"
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in (0..<row.count).map { CopyValue(row[$0] as DatabaseValue) } }
            }
        } catch {
            throw StoreError(operation: "read \(table)", error)
        }
    }

    public func lastKey(of table: String, key: [String]) throws(StoreError) -> [CopyValue]? {
        do {
            return try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT \(key.joined(separator: ", ")) FROM \(table) ORDER BY \(key.map { "\($0) DESC" }.joined(separator: ", ")) LIMIT 1")
                    .map { row in (0..<row.count).map { CopyValue(row[$0] as DatabaseValue) } }
            }
        } catch {
            throw StoreError(operation: "read \(table)", error)
        }
    }

    public func insert(into table: String, columns: [String], rows: [[CopyValue]]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        do {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                    """)
                for row in rows { try statement.execute(arguments: StatementArguments(row.map(\.databaseValue))) }
            }
        } catch {
            throw StoreError(operation: "write \(table)", error)
        }
    }

    public func rowCount(of table: String) throws(StoreError) -> Int {
        do { return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 } }
        catch { throw StoreError(operation: "count \(table)", error) }
    }

    /// Row ids follow the rows (AUTOINCREMENT's counter too): nothing to move. The WAL goes back
    /// into the file, so the copy is one file.
    public func finishCopy() throws(StoreError) { try checkpoint() }
}

extension CopyValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .bytes([UInt8](b))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .int(let i): i.databaseValue
        case .double(let d): d.databaseValue
        case .text(let t): t.databaseValue
        case .bytes(let b): Data(b).databaseValue
        }
    }
}
