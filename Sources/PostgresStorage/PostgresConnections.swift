import Records
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The store's connections to PostgreSQL, and statements run on them from plain threads.
///
/// The store interface is synchronous: its callers are the ingest worker's thread and the store's
/// own threads (`StoreThreads`), never the async pool. So the engine waits on postgres-nio's
/// futures there, and keeps connections of its own: one per thread that is asking, returned after
/// each operation and reused. (postgres-nio's `PostgresClient` pool answers only `async`, and
/// bridging into it from a blocked thread would need the very cooperative threads that callers
/// may be blocking.) A connection that failed is closed and never handed out again; the next
/// operation connects anew, so a PostgreSQL restart costs the operations in flight, which fail
/// with a transient error and are retried by their callers.
final class PostgresConnections: Sendable {
    let configuration: PostgresConnection.Configuration
    /// What the operator named (the URL without its password), for messages.
    let description: String
    private let group: any EventLoopGroup
    private let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextId = Atomic<Int>(1)
    /// Connections kept for reuse beyond this many are closed.
    private let keepIdle = 16

    init(configuration: PostgresConnection.Configuration, description: String, logger: Logger) {
        self.configuration = configuration
        self.description = description
        self.group = MultiThreadedEventLoopGroup.singleton
        self.logger = logger
    }

    /// A new connection, with one clear line when it cannot be made.
    func connect() throws(StoreError) -> PostgresConnection {
        let id = nextId.add(1, ordering: .relaxed).oldValue
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw StoreError(postgres: error, operation: "connect to \(description)")
        }
    }

    /// Runs `body` on a connection of the store's, outside any transaction.
    func with<T>(_ body: (SQLSession) throws -> T) throws -> T {
        let reused = idle.withLock { $0.popLast() }
        let connection = try reused.flatMap { $0.isClosed ? nil : $0 } ?? connect()
        do {
            let session = SQLSession(connection: connection, logger: logger)
            let result = try body(session)
            try session.writeFollowed()
            giveBack(connection)
            return result
        } catch {
            // After the connection failed (lost, the server shutting down) it is never reused;
            // after any other error (its transaction rolled back) it is as good as before.
            let state = (error as? StoreError)?.sqlState ?? ""
            if state.hasPrefix("08") || state.hasPrefix("57") { Self.close(connection) } else { giveBack(connection) }
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return Self.close(connection) }
        let kept = idle.withLock { list -> Bool in
            guard list.count < keepIdle else { return false }
            list.append(connection)
            return true
        }
        if !kept { Self.close(connection) }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func write<T>(_ body: (SQLSession) throws -> T) throws -> T {
        try with { s in
            try s.execute("BEGIN")
            do {
                let result = try body(s)
                try s.writeFollowed()
                try s.execute("COMMIT")
                return result
            } catch {
                _ = try? s.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` on one consistent snapshot (a read-only repeatable-read transaction).
    func read<T>(_ body: (SQLSession) throws -> T) throws -> T {
        try with { s in
            try s.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            defer { _ = try? s.execute("COMMIT") }
            return try body(s)
        }
    }

    /// Closes every idle connection (the store is closing).
    func close() {
        let all = idle.withLock { list in defer { list.removeAll() }; return list }
        for c in all { Self.close(c) }
    }

    /// Closes a connection and waits until it is (postgres-nio requires it closed before it goes).
    static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        try? closing.wait()
    }
}

/// Statements on one connection: SQL with `?` placeholders and arguments bound in order.
public struct SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    private let followed = Followed()

    /// Rows of the tables readers follow by id, held until the transaction is about to commit.
    private final class Followed {
        var changes: [[any SQLBindable]] = []
        var outbox: [[any SQLBindable]] = []
    }

    init(connection: PostgresConnection, logger: Logger) { (self.connection, self.logger) = (connection, logger) }

    /// A row for `changes` (the stream resumes after an id) or `outbox` (its publisher reads
    /// after the last id it sent), written by `writeFollowed` just before COMMIT.
    ///
    /// Readers that follow ids must see them become visible in order: a transaction holding a
    /// lower id that committed after a reader moved past it would have its message never sent.
    /// So writers of these two tables take turns (a transaction-scoped advisory lock) from
    /// their insert to their commit. Taken at the insert, the turn would last the rest of the
    /// transaction: a risk round or a big commit would hold every other writer behind it for its
    /// whole length (measured: the worker's commits waited 80–90 ms for one). Deferred to the end,
    /// the turn lasts two multi-row INSERTs and the COMMIT. (SQLite has one writer at a time anyway.)
    func follow(change kind: ChangeKind, deviceNum: Int64, at: Int64, payload: String) {
        followed.changes.append([at, kind, deviceNum, payload, Int64(followed.changes.count)])
    }

    func follow(outbox topic: String, payload: String, at: Int64) {
        followed.outbox.append([topic, payload, at])
    }

    /// Writes the deferred `changes` and `outbox` rows, in the order they were made, under the
    /// id-order turn (held until the transaction ends). Called by `write` before COMMIT; a body
    /// that runs outside a transaction has its rows written (each statement its own) when it returns.
    func writeFollowed() throws(StoreError) {
        guard !followed.changes.isEmpty || !followed.outbox.isEmpty else { return }
        let (changes, outbox) = (followed.changes, followed.outbox)
        followed.changes.removeAll()
        followed.outbox.removeAll()
        try execute("SELECT pg_advisory_xact_lock(72616866)")
        // The firm and owner as the device has them now; ids assigned in the order made.
        try eachSlice(changes, types: [.bigint, .text, .bigint, .text, .bigint]) { values in """
            INSERT INTO changes(at, kind, device_num, firm, owner, payload)
            SELECT v.at, v.kind, d.num, d.firm, d.owner, v.payload
            FROM (VALUES \(values)) AS v(at, kind, device_num, payload, position) JOIN devices d ON d.num = v.device_num
            ORDER BY v.position
            """ }
        try eachSlice(outbox) { "INSERT INTO outbox(topic, payload, created_at) VALUES \($0)" }
    }

    /// Runs `statement(values)` for each slice of `rows` small enough to bind (PostgreSQL binds
    /// at most 65,535 values a statement: 1,000 rows each), where `values` is the slice's
    /// `VALUES` list of placeholders, each cast to its column's type when `types` are given (a
    /// column NULL in every row of a `VALUES` list in `FROM` has no type otherwise). Returns the
    /// rows every statement answered, in order.
    @discardableResult
    func eachSlice(_ rows: [[any SQLBindable]], types: [SQLColumnType]? = nil,
                   _ statement: (_ values: String) -> String) throws(StoreError) -> [SQLRow] {
        guard let width = rows.first?.count else { return [] }
        let one = "(" + (types.map { $0.map { "?::\($0.rawValue)" } } ?? Array(repeating: "?", count: width)).joined(separator: ",") + ")"
        var answered: [SQLRow] = []
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + Self.rowsPerStatement)
            answered += try self.rows(statement(Array(repeating: one, count: end - start).joined(separator: ",")),
                                      rows[start..<end].flatMap { $0 })
            start = end
        }
        return answered
    }

    /// Rows a multi-row statement takes at most (a row of 17 values: 17,000 of the 65,535 binds).
    static let rowsPerStatement = 1000

    /// Runs a statement; returns the rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ arguments: SQLArguments = []) throws(StoreError) -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    /// Every row of a query.
    public func rows(_ sql: String, _ arguments: SQLArguments = []) throws(StoreError) -> [SQLRow] {
        let result = try run(sql, arguments)
        do { return try result.map(SQLRow.init) } catch { throw StoreError(postgres: error, operation: "read rows") }
    }

    /// The first row of a query, or nil.
    public func row(_ sql: String, _ arguments: SQLArguments = []) throws(StoreError) -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row, as an integer (nil: no row, or NULL).
    public func int(_ sql: String, _ arguments: SQLArguments = []) throws(StoreError) -> Int64? {
        try row(sql, arguments)?.values.first?.int
    }

    /// The first column of the first row, as text (nil: no row, or NULL).
    public func text(_ sql: String, _ arguments: SQLArguments = []) throws(StoreError) -> String? {
        try row(sql, arguments)?.values.first?.text
    }

    /// Records decoded by their coding keys from the query's column names.
    func records<T: Decodable>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws(StoreError) -> [T] {
        let rows = try rows(sql, arguments)
        do { return try rows.map { try $0.decode(T.self) } }
        catch { throw .failed(operation: "read \(T.self)", reason: "\(error)") }
    }

    private func run(_ sql: String, _ arguments: SQLArguments) throws(StoreError) -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.count)
        for a in arguments { a.sqlValue.bind(into: &binds) }
        let query = PostgresQuery(unsafeSQL: numberedPlaceholders(sql), binds: binds)
        do { return try Self.answer(of: connection.query(query, logger: logger), on: connection) }
        catch { throw StoreError(postgres: error, operation: "statement") }
    }

    /// Waits for a statement's answer, and gives up once its connection has closed: a server that
    /// shut down (a restart, a failover) under a statement in flight has been seen to leave its
    /// future unanswered for good, which held a cluster node's worker forever. The connection's
    /// state is looked at once a second; a slow statement on a live connection waits as long as
    /// it takes.
    static func answer<T: Sendable>(of future: EventLoopFuture<T>, on connection: PostgresConnection) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        future.whenComplete { r in
            result.withLock { $0 = r }
            done.signal()
        }
        while done.wait(timeout: .now() + 1) == .timedOut {
            if connection.isClosed {
                throw StoreError.postgres(operation: "statement", sqlState: "08006",
                                          message: "the connection closed with the statement unanswered")
            }
        }
        return try result.withLock { $0! }.get()
    }
}

extension StoreError {
    /// Wraps what postgres-nio threw: the server's SQLSTATE and message when the server refused,
    /// a connection failure (`08006`) when there was no answer, with the cause in words.
    init(postgres error: any Error, operation: String) {
        switch error {
        case let e as StoreError:
            self = e
        case let e as PSQLError:
            if let state = e.serverInfo?[.sqlState] {
                var message = e.serverInfo?[.message] ?? "\(e.code)"
                if let detail = e.serverInfo?[.detail] { message += " (\(detail))" }
                self = .postgres(operation: operation, sqlState: state, message: message)
            } else {
                let cause = e.underlying.map { "\($0)" } ?? "\(e.code)"
                self = .postgres(operation: operation, sqlState: "08006", message: "no connection to PostgreSQL: \(cause)")
            }
        default:
            self = .postgres(operation: operation, sqlState: "08006", message: "no connection to PostgreSQL: \(error)")
        }
    }
}
