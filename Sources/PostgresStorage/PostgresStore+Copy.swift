import Domain
import Records
import Foundation
import Synchronization

/// `equipwatch store copy` on PostgreSQL: rows as plain values, by their key; values take the
/// column's type (a SQLite integer in a DOUBLE PRECISION column, text in a BYTEA one).
extension PostgresStore: TableCopying {
    public func schemaIdentifiers() throws(StoreError) -> [String] { try appliedMigrations() }

    public func columns(of table: String) throws(StoreError) -> [String] {
        try columnTypes(of: table).map(\.name)
    }

    func columnTypes(of table: String) throws(StoreError) -> [(name: String, type: String)] {
        try query("read the columns of \(table)") { s in
            try s.rows("""
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
                """, [table]).map { (try $0.text(required: "column_name"), try $0.text(required: "data_type")) }
        }
    }

    public func rows(of table: String, columns: [String], key: [String], after: [CopyValue]?, limit: Int) throws(StoreError) -> [[CopyValue]] {
        let keys = key.joined(separator: ", ")
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table)"
        var arguments: SQLArguments = []
        if let after {
            sql += " WHERE (\(keys)) > (\(Array(repeating: "?", count: key.count).joined(separator: ", ")))"
            arguments = after.map(\.bindable)
        }
        sql += " ORDER BY \(keys) LIMIT \(limit)"
        return try query("read \(table)") { s in try s.rows(sql, arguments).map { $0.values.map(CopyValue.init) } }
    }

    public func lastKey(of table: String, key: [String]) throws(StoreError) -> [CopyValue]? {
        try query("read \(table)") { s in
            try s.row("SELECT \(key.joined(separator: ", ")) FROM \(table) ORDER BY \(key.map { "\($0) DESC" }.joined(separator: ", ")) LIMIT 1")
                .map { $0.values.map(CopyValue.init) }
        }
    }

    public func insert(into table: String, columns: [String], rows: [[CopyValue]]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        let types = Dictionary(uniqueKeysWithValues: try columnTypes(of: table).map { ($0.name, $0.type) })
        let kinds = columns.map { types[$0] ?? "text" }
        if table == "readings", let ts = columns.firstIndex(of: "ts") {
            let times = rows.compactMap { row -> Int64? in if case .int(let t) = row[ts] { t } else { nil } }
            if let lo = times.min(), let hi = times.max() { try makePartitions(spanning: lo, hi) }
        }
        let bound: [[any SQLBindable]] = rows.map { row in zip(row, kinds).map { $0.bindable(as: $1) } }
        try write("write \(table)") { s in try Self.insertRows("\(table)(\(columns.joined(separator: ", ")))", bound, s) }
    }

    public func rowCount(of table: String) throws(StoreError) -> Int {
        try query("count \(table)") { s in Int(try s.int("SELECT COUNT(*) FROM \(table)") ?? 0) }
    }

    /// Identity columns and the readings' id sequence move past the copied rows, so the next row
    /// written gets a new id.
    public func finishCopy() throws(StoreError) {
        try write("move the id counters past the copied rows") { s in
            for table in PostgresSchema.identityTables + ["devices"] {
                let column = table == "devices" ? "num" : "id"
                try s.execute("""
                    SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), COALESCE(MAX(\(column)), 1), MAX(\(column)) IS NOT NULL) FROM \(table)
                    """)
            }
            try s.execute("SELECT setval('readings_id', COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM readings")
        }
        partitions.withLock { $0 = nil }
    }

    /// The month partitions for readings from `lo` to `hi` (a copy brings the past along),
    /// at most ten years of them; the rest goes to the default partition.
    func makePartitions(spanning lo: Int64, _ hi: Int64) throws(StoreError) {
        if let known = partitions.withLock({ $0 }), lo >= known.from, hi < known.to { return }
        var months: [(start: Int64, end: Int64, name: String)] = []
        var t = max(lo, hi - 10 * 366 * 86_400_000)
        while t <= hi {
            let m = Self.month(of: t)
            months.append(m)
            t = m.end
        }
        try makePartitions(months)
        if let first = months.first, let last = months.last { partitions.withLock { $0 = (first.start, last.end) } }
    }
}

extension CopyValue {
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .text(let t): self = .text(t)
        case .bytes(let b): self = .bytes(b)
        case .bool(let b): self = .int(b ? 1 : 0)
        }
    }

    var bindable: any SQLBindable {
        switch self {
        case .null: String?.none
        case .int(let i): i
        case .double(let d): d
        case .text(let t): t
        case .bytes(let b): b
        }
    }

    /// The value as the column's type takes it (`information_schema` names).
    func bindable(as type: String) -> any SQLBindable {
        switch (self, type) {
        case (.text(let t), "bytea"): Array(t.utf8)
        case (.bytes(let b), "text"): String(decoding: b, as: UTF8.self)
        case (.int(let i), "double precision"): Double(i)
        case (.double(let d), "bigint") where d.rounded() == d: Int64(d)
        case (.int(let i), "text"): String(i)
        case (.double(let d), "text"): String(d)
        default: bindable
        }
    }
}
