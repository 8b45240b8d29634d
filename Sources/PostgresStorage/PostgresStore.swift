import Domain
import Records
import Foundation
import Logging
import Synchronization

/// The PostgreSQL store: the same store interface as `SQLiteStore`, on PostgreSQL 15+ or a
/// PostgreSQL-compatible database, for a city that outgrows one machine (docs/postgres.md).
///
/// Same schema version identifiers, same rows, same answers. What differs is the engine's own
/// housekeeping: PostgreSQL checkpoints and vacuums itself (no WAL file to manage here), backups
/// are `pg_dump` or base backups, and readings are partitioned by month so retention drops a
/// month at a time.
public final class PostgresStore: Store {
    /// The URL without its password.
    public let path: String
    public let localDays: LocalDays
    let connections: PostgresConnections
    /// The months (UTC) of readings partitions known to exist: `[from, to)` in epoch ms.
    let partitions = Mutex<(from: Int64, to: Int64)?>(nil)
    /// In cluster mode, the leases every commit of this store checks (`fenced(by:)`).
    let fence: CommitFence?
    /// What opening did to an older schema (nil: current or new).
    public let upgraded: SchemaUpgradeReport?
    /// Whether this instance closes the connections when it goes (a fenced view shares them).
    private let ownsConnections: Bool

    /// Connects and checks (or, with `create`, makes) the schema. One line says what is wrong:
    /// the server unreachable, the password refused, the database missing, a database of another
    /// application, or a schema older or newer than this binary's.
    public init(url text: String, create: Bool = true, localDays: LocalDays = .china,
                logger: Logger = Logger(label: "equipwatch.postgres"), upgrade: SchemaUpgrade = .migrate) throws(StoreError) {
        let url = try PostgresURL(parsing: text)
        self.path = url.description
        self.localDays = localDays
        (fence, ownsConnections) = (nil, true)
        connections = PostgresConnections(configuration: try url.configuration(), description: url.description, logger: logger)
        do {
            upgraded = try connections.with { s in try Self.migrate(s, create: create, upgrade: upgrade, where: url.description) }
        } catch let e as StoreError {
            // A refused store's connections close before they go (postgres-nio requires it).
            connections.close()
            throw e.opening(url.description)
        } catch {
            connections.close()
            throw StoreError.cannotOpen(path: url.description, reason: "\(error)")
        }
        // The coming months' partitions, so no commit waits for DDL; a user that may only read
        // (a reporting account) cannot make them, and needs none.
        try? prepareMonths(now: Int64(Date().timeIntervalSince1970 * 1000))
    }

    /// The same database and connections, with commits fenced (`ClusterStore.fenced(by:)`).
    init(sharing other: PostgresStore, fence: CommitFence) {
        (path, localDays, connections) = (other.path, other.localDays, other.connections)
        (self.fence, ownsConnections) = (fence, false)
        upgraded = nil
        partitions.withLock { $0 = other.partitions.withLock { $0 } }
    }

    deinit { if ownsConnections { connections.close() } }

    /// Runs `body` on one of the store's connections, outside any transaction: SQL of an
    /// operator's own (and the tests' look at rows), as `SQLiteStore.write` gives GRDB's database.
    /// Statements bind their arguments (`?` placeholders), never splice them.
    public func session<T>(_ body: (SQLSession) throws -> T) throws -> T {
        try connections.with(body)
    }

    /// Runs `body` on a connection of its own to the database `url` names, with no schema check:
    /// administration across databases (creating or dropping one).
    public static func session<T>(url text: String, _ body: (SQLSession) throws -> T) throws -> T {
        let url = try PostgresURL(parsing: text)
        let connections = PostgresConnections(configuration: try url.configuration(), description: url.description,
                                              logger: Logger(label: "equipwatch.postgres.admin"))
        defer { connections.close() }
        return try connections.with(body)
    }

    /// Brings the schema to this binary's version, under an advisory lock so two processes
    /// starting together do not both create it.
    /// Makes or checks the schema; returns the migrations applied to an older one.
    static func migrate(_ s: SQLSession, create: Bool, upgrade: SchemaUpgrade = .migrate, where place: String) throws(StoreError) -> SchemaUpgradeReport? {
        try s.execute("SELECT pg_advisory_lock(72616863)")
        defer { _ = try? s.execute("SELECT pg_advisory_unlock(72616863)") }
        let hasTable = try s.int("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?",
                                 [PostgresSchema.migrationsTable]) ?? 0
        if hasTable == 0 {
            let tables = try s.int("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()") ?? 0
            guard tables == 0 else {
                throw .cannotOpen(path: place, reason: "the database holds \(tables) tables but no EquipWatch schema; use an empty database")
            }
            guard create else {
                throw .cannotOpen(path: place, reason: "the database holds no EquipWatch store yet: start `equipwatch run --store URL` first, or copy one in with `equipwatch store copy`")
            }
            try s.execute("BEGIN")
            do {
                for statement in statements(PostgresSchema.baseline) { try s.execute(statement) }
                try s.execute("CREATE TABLE \(PostgresSchema.migrationsTable)(identifier TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                for id in PostgresSchema.baselineIdentifiers {
                    try s.execute("INSERT INTO \(PostgresSchema.migrationsTable)(identifier, applied_at) VALUES (?, ?)", [id, now])
                }
                try s.execute("COMMIT")
            } catch {
                _ = try? s.execute("ROLLBACK")
                throw error
            }
            try applyLater(s, applied: Set(PostgresSchema.baselineIdentifiers))
            return nil
        }
        let applied = Set(try s.rows("SELECT identifier FROM \(PostgresSchema.migrationsTable)").compactMap { $0.text("identifier") })
        let known = Set(PostgresSchema.identifiers)
        let newer = applied.subtracting(known)
        guard newer.isEmpty else {
            throw .schema(path: place, reason: "has a newer schema than this binary's (\(newer.sorted().joined(separator: ", "))): run the newer EquipWatch that wrote it (`equipwatch --version` names this one's schema)")
        }
        let missing = PostgresSchema.baselineIdentifiers.filter { !applied.contains($0) }
        guard missing.isEmpty else {
            // Every identifier up to the baseline is recorded with it; later migrations are
            // added here and to SQLite's migrator under the same identifiers.
            throw .cannotOpen(path: place, reason: "its schema lacks \(missing.joined(separator: ", ")), which this binary cannot add")
        }
        let later = PostgresSchema.later.map(\.identifier).filter { !applied.contains($0) }
        guard !later.isEmpty else { return nil }
        guard upgrade == .migrate else {
            throw .schema(path: place, reason: "has an older schema than this binary's (it lacks \(later.joined(separator: ", "))): back it up (pg_dump), then `equipwatch store migrate` upgrades it (or start `equipwatch run`); docs/operations.md, \"Upgrades\"")
        }
        try applyLater(s, applied: applied)
        return SchemaUpgradeReport(applied: later, backup: nil)
    }

    /// Applies the migrations after the baseline that `applied` lacks, in order, each in its own
    /// transaction with its identifier.
    static func applyLater(_ s: SQLSession, applied: Set<String>) throws(StoreError) {
        for (id, sql) in PostgresSchema.later where !applied.contains(id) {
            try s.execute("BEGIN")
            do {
                for statement in statements(sql.replacingOccurrences(of: " TEXT", with: " TEXT COLLATE \"C\"")) { try s.execute(statement) }
                try s.execute("INSERT INTO \(PostgresSchema.migrationsTable)(identifier, applied_at) VALUES (?, ?)",
                              [id, Int64(Date().timeIntervalSince1970 * 1000)])
                try s.execute("COMMIT")
            } catch {
                _ = try? s.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// The statements of a schema text, split at the semicolons that end its lines.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { text in text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n") }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
            .filter { !$0.isEmpty }
    }

    /// The schema's migration identifiers, oldest first (`store copy` compares them).
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read("read the schema version") { s in
            try s.rows("SELECT identifier FROM \(PostgresSchema.migrationsTable)").compactMap { $0.text("identifier") }.sorted()
        }
    }

    // MARK: Running statements

    /// Runs `body` in one write transaction; errors are the operation's.
    @discardableResult
    func write<T>(_ operation: @autoclosure () -> String, _ body: (SQLSession) throws -> T) throws(StoreError) -> T {
        do { return try connections.write(body) }
        catch { throw StoreError(postgres: error, operation: operation()).named(operation()) }
    }

    /// Runs `body` on one consistent snapshot (the one `snapshot` opened on this thread, if any).
    func read<T>(_ operation: @autoclosure () -> String, _ body: (SQLSession) throws -> T) throws(StoreError) -> T {
        do { return try boundSession.map(body) ?? connections.read(body) }
        catch { throw StoreError(postgres: error, operation: operation()).named(operation()) }
    }

    /// Runs one statement outside a transaction (a single read needs no snapshot of its own),
    /// or in the snapshot `snapshot` opened on this thread.
    func query<T>(_ operation: @autoclosure () -> String, _ body: (SQLSession) throws -> T) throws(StoreError) -> T {
        do { return try boundSession.map(body) ?? connections.with(body) }
        catch { throw StoreError(postgres: error, operation: operation()).named(operation()) }
    }

    /// Runs `body`, whose reads of this store (on this thread) share one read-only transaction
    /// on one connection: a page of many reads (the device page: fifteen) answers from one
    /// instant, and pays one BEGIN and one COMMIT instead of one pair a read. Writes inside it
    /// run as usual, in transactions of their own.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        if boundSession != nil { return try body() }
        // Errors pass as they are: the reads inside name their own operations.
        return try connections.read { s in
            Thread.current.threadDictionary[snapshotKey] = Bound(session: s)
            defer { Thread.current.threadDictionary.removeObject(forKey: snapshotKey) }
            return try body()
        }
    }

    /// The thread's snapshot session of this store, while `snapshot` runs.
    private var boundSession: SQLSession? {
        (Thread.current.threadDictionary[snapshotKey] as? Bound)?.session
    }

    /// This store's key in a thread's dictionary (made once: the lookup is on every read).
    private let snapshotKey = "equipwatch.postgres.snapshot." + UUID().uuidString

    private final class Bound: NSObject {
        let session: SQLSession
        init(session: SQLSession) { self.session = session }
    }

    /// Typed rows of one query.
    func rows<T: Decodable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments) throws(StoreError) -> [T] {
        try query("query") { s in try s.records(type, sql, arguments) }
    }

    // MARK: The store itself

    /// PostgreSQL checkpoints by itself (`checkpoint_timeout`, `max_wal_size`): nothing to do.
    public func checkpoint() throws(StoreError) {}

    public func checkpointOnWriter(limitFrames: Int) throws(StoreError) -> CheckpointOutcome {
        CheckpointOutcome(walFrames: 0, checkpointed: 0, isOverLimit: false)
    }

    /// No WAL of the store's to manage: PostgreSQL's is the server's.
    public func openCheckpointer(walLimitBytes: Int) throws(StoreError) -> (any StoreCheckpointer)? { nil }

    public var walFileBytes: Int { 0 }

    /// The highest reading id stored (nil: no readings).
    public func newestReadingId() throws(StoreError) -> Int64? {
        try query("read the newest reading") { s in try s.int("SELECT MAX(id) FROM readings") }
    }

    /// A quick check that the server answers and the schema's tables are readable. PostgreSQL
    /// checks its pages itself (`data_checksums`, `amcheck`); see docs/postgres.md.
    public func quickCheck() throws(StoreError) -> [String] {
        try query("check the store") { s in
            _ = try s.int("SELECT COUNT(*) FROM \(PostgresSchema.migrationsTable)")
            return ["ok"]
        }
    }

    /// A PostgreSQL store is backed up with PostgreSQL's tools, not by EquipWatch.
    public func backup(to path: String) throws(StoreError) {
        throw .failed(operation: "back up the store", reason: "\(self.path) is a PostgreSQL database: back it up with pg_dump or a base backup (docs/postgres.md), or copy it to a SQLite file with `equipwatch store copy --from \(self.path) --to sqlite:\(path)`")
    }
}

extension StoreError {
    /// The error of an operation named `operation` (the wrapped statement's own name replaced).
    func named(_ operation: String) -> StoreError {
        switch self {
        case .postgres(_, let state, let message): .postgres(operation: operation, sqlState: state, message: message)
        default: self
        }
    }

    /// The error of opening the store at `place`, in words an operator acts on.
    func opening(_ place: String) -> StoreError {
        guard case .postgres(_, let state, let message) = self else { return self }
        let reason = switch state {
        case "28P01", "28000": "the server refused the user or password (\(message))"
        case "3D000": "the database does not exist (\(message)); create it first: createdb"
        case "08006", "08001": "the server cannot be reached (\(message))"
        default: "\(message) (SQLSTATE \(state))"
        }
        return .cannotOpen(path: place, reason: reason)
    }
}
