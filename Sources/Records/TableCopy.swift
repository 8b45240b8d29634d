import Domain

/// A store's tables as rows of plain values, for `equipwatch store copy`: moving a city from one
/// engine to the other (SQLite to PostgreSQL, or back for an offline copy). Each engine reads and
/// writes its own rows; what to copy, in which order, and how to tell both sides agree is
/// decided once (`StoreCopy`, in Services).
public protocol TableCopying: Store {
    /// The schema's migration identifiers: both sides of a copy must have the same.
    func schemaIdentifiers() throws(StoreError) -> [String]

    /// The columns of `table`, in the order of its definition.
    func columns(of table: String) throws(StoreError) -> [String]

    /// Rows of `table` in `key` order after `after` (nil: from the first), at most `limit`; each
    /// row holds `columns` in that order.
    func rows(of table: String, columns: [String], key: [String], after: [CopyValue]?, limit: Int) throws(StoreError) -> [[CopyValue]]

    /// The key of the last row of `table` in `key` order (nil: the table is empty): where an
    /// interrupted copy resumes.
    func lastKey(of table: String, key: [String]) throws(StoreError) -> [CopyValue]?

    /// Appends rows to `table` in one transaction.
    func insert(into table: String, columns: [String], rows: [[CopyValue]]) throws(StoreError)

    /// Rows in `table`.
    func rowCount(of table: String) throws(StoreError) -> Int

    /// After a copy into this store: counters move past the copied ids (identity columns and the
    /// readings' id sequence on PostgreSQL; nothing on SQLite, whose row ids follow the rows).
    func finishCopy() throws(StoreError)
}

/// One value of a copied row, whatever the engine.
public enum CopyValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])

    /// The same value written the same way on either side, for the checksum: an integral
    /// double is the integer it holds (SQLite keeps 3.0 in a REAL column as it was bound), and
    /// text and bytes are their bytes.
    public func digest(into hasher: inout SHA256.Stream) {
        switch self {
        case .null: hasher.update([0])
        case .int(let i): hasher.update([1] + Array(String(i).utf8))
        case .double(let d):
            if d.rounded() == d, abs(d) < 9_007_199_254_740_992 { hasher.update([1] + Array(String(Int64(d)).utf8)) }
            else { hasher.update([2] + Array(String(d).utf8)) }
        case .text(let t): hasher.update([3] + Array(t.utf8))
        case .bytes(let b): hasher.update([3] + b)
        }
        hasher.update([0xFF])
    }
}

/// The tables a copy moves, in an order that keeps references valid, with the columns that
/// order their rows (unique in every table, so a copy can resume after the last row it wrote).
public enum CopyCatalog {
    public static let tables: [(name: String, key: [String])] = [
        ("firms", ["id"]), ("owners", ["id"]), ("sites", ["id"]), ("gateways", ["id"]), ("stations", ["id"]),
        ("devices", ["num"]), ("device_state", ["device_num"]), ("registry_source", ["id"]),
        ("rule_packs", ["hash"]), ("rule_layouts", ["hash"]), ("rule_state", ["device_num"]),
        ("alarms", ["id"]), ("incidents", ["id"]), ("incident_timeline", ["id"]),
        ("notices", ["id"]), ("maintenance_records", ["id"]), ("maintenance_state", ["device_num"]),
        ("device_risk", ["device_num"]), ("risk_grades", ["id"]),
        ("inspections", ["id"]), ("device_compliance", ["device_num"]), ("rescues", ["alarm_id"]),
        ("device_hazards", ["id"]), ("hazard_steps", ["id"]), ("pipeline_outages", ["id"]),
        ("accidents", ["id"]), ("accident_devices", ["accident_id", "position"]), ("audit_chain", ["seq"]), ("audit_heads", ["day"]),
        ("certificates", ["number"]), ("insurance_policies", ["number"]), ("people_reminders", ["key"]),
        ("owner_staff", ["owner", "role", "name"]), ("routine_records", ["id"]),
        ("api_tokens", ["id"]), ("changes", ["id"]), ("outbox", ["id"]),
        ("gateway_status", ["id"]), ("dead_letters", ["id"]), ("events", ["id"]),
        ("reading_aggregates", ["device_num", "hour", "field"]), ("incident_evidence", ["incident_id", "reading_id"]),
        ("readings", ["id"]),
    ]
}
