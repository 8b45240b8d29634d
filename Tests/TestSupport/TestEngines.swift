import BrokerProcess
import Domain
import Foundation
import Logging
import GRDB
import PostgresStorage
import Records
import Storage

/// The store engine a test run uses: SQLite unless `EQUIPWATCH_TEST_ENGINE=postgres`
/// (`scripts/test.sh` runs the engine-neutral suites a second time on PostgreSQL).
public enum TestEngine: String, Sendable, CaseIterable {
    case sqlite, postgres

    public static var current: TestEngine {
        ProcessInfo.processInfo.environment["EQUIPWATCH_TEST_ENGINE"] == "postgres" ? .postgres : .sqlite
    }
}

/// The PostgreSQL server of the tests: the one `EQUIPWATCH_TEST_POSTGRES` names (the superuser's
/// URL, as `scripts/pg-cluster.sh start` prints it; `scripts/test.sh` starts a throwaway cluster
/// and sets it). Every test gets a database of its own.
public enum TestPostgres {
    /// Whether a server is configured: tests that need PostgreSQL run only then (`scripts/test.sh`
    /// always configures one, and fails when it cannot).
    public static var isConfigured: Bool { !(ProcessInfo.processInfo.environment["EQUIPWATCH_TEST_POSTGRES"] ?? "").isEmpty }

    /// The server's superuser URL on its `postgres` database.
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["EQUIPWATCH_TEST_POSTGRES"], !url.isEmpty else {
            throw TestFailure("no PostgreSQL for the tests: run scripts/test.sh, or start one with scripts/pg-cluster.sh start and set EQUIPWATCH_TEST_POSTGRES to its URL")
        }
        return url
    }

    /// The URL of `database` on the test server.
    public static func url(database: String) throws -> String {
        let server = try serverURL()
        guard let slash = server.range(of: "/", options: .backwards) else { throw TestFailure("bad server URL \(server)") }
        return String(server[..<slash.lowerBound]) + "/" + database + "?sslmode=disable"
    }

    /// A new empty database; returns its URL.
    public static func freshDatabase() throws -> (name: String, url: String) {
        let name = "ew_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try admin { s in try s.execute("CREATE DATABASE \(name)") }
        return (name, try url(database: name))
    }

    /// Drops a test's database (its connections closed first).
    public static func drop(_ name: String) {
        try? admin { s in
            try s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()", [name])
            try s.execute("DROP DATABASE IF EXISTS \(name)")
        }
    }

    /// Runs one statement on the database at `url`.
    public static func execute(url: String, _ sql: String) throws {
        try PostgresStore.session(url: url) { s in _ = try s.execute(sql) }
    }

    /// Runs statements on the server's `postgres` database as its superuser.
    static func admin(_ body: (SQLSession) throws -> Void) throws {
        try PostgresStore.session(url: try self.url(database: "postgres"), body)
    }
}

/// A PostgreSQL cluster of one test's own (`scripts/pg-cluster.sh`), for what a shared server
/// cannot be put through: stopped and started again under a running pipeline.
public final class TestPostgresCluster: Sendable {
    public let serverURL: String
    public let directory: String
    private static let script = repositoryRoot + "/scripts/pg-cluster.sh"

    public init() throws {
        let out = NSTemporaryDirectory() + "ew-pg-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Self.run(["start"], output: out)
        let line = (try String(contentsOfFile: out, encoding: .utf8)).split(separator: "\n").last.map(String.init) ?? ""
        let parts = line.split(separator: " ").map(String.init)
        guard parts.count == 2, parts[0].hasPrefix("postgres://") else { throw TestFailure("pg-cluster.sh start printed: \(line)") }
        (serverURL, directory) = (parts[0], parts[1])
    }

    /// A new database on this cluster; its URL.
    public func database() throws -> String {
        let name = "ew_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try TestPostgres.execute(url: serverURL + "?sslmode=disable", "CREATE DATABASE \(name)")
        return String(serverURL.dropLast("postgres".count)) + name + "?sslmode=disable"
    }

    /// Stops the server (fast shutdown: connections are cut), keeping its data.
    public func pause() throws { try Self.run(["pause", directory]) }
    /// Starts it again on the same port.
    public func resume() throws { try Self.run(["resume", directory]) }
    public func stop() { try? Self.run(["stop", directory]) }

    private static func run(_ arguments: [String], output: String = "/dev/null") throws {
        let pid = try spawn(script, arguments, stdout: output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw TestFailure("pg-cluster.sh \(arguments.joined(separator: " ")) failed (\(status))") }
    }
}

/// A store for one test on the run's engine: a temporary SQLite file, or a fresh PostgreSQL
/// database. `close()` removes it.
public final class TestStore: Sendable {
    public let store: any Store
    public let engine: TestEngine
    /// The SQLite file, or the PostgreSQL database's URL.
    public let location: String
    private let database: String?

    /// A store on the PostgreSQL database at `postgresURL` (kept: its cluster is the test's).
    public init(postgresURL: String, localDays: LocalDays = .china) throws {
        engine = .postgres
        (location, database) = (postgresURL, nil)
        store = try PostgresStore(url: postgresURL, create: true, localDays: localDays)
    }

    public init(engine: TestEngine = .current, sqlitePath: String? = nil, localDays: LocalDays = .china) throws {
        self.engine = engine
        switch engine {
        case .sqlite:
            let path = sqlitePath ?? NSTemporaryDirectory() + "ew-store-\(UUID().uuidString).sqlite"
            location = path
            database = nil
            store = try SQLiteStore(path: path, localDays: localDays)
        case .postgres:
            let (name, url) = try TestPostgres.freshDatabase()
            (location, database) = (url, name)
            store = try PostgresStore(url: url, create: true, localDays: localDays)
        }
    }

    /// The same store opened again, with days counted in `localDays`.
    public func reopen(localDays: LocalDays) throws -> any Store {
        switch engine {
        case .sqlite: try SQLiteStore(path: location, localDays: localDays)
        case .postgres: try PostgresStore(url: location, localDays: localDays)
        }
    }

    public func close() {
        switch engine {
        case .sqlite:
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: location + suffix) }
        case .postgres:
            if let database { TestPostgres.drop(database) }
        }
    }
}

/// A value a test binds into its own SQL.
public protocol TestBindable: Sendable {
    var testValue: DatabaseValue { get }
}
extension Int64: TestBindable { public var testValue: DatabaseValue { databaseValue } }
extension Int: TestBindable { public var testValue: DatabaseValue { databaseValue } }
extension String: TestBindable { public var testValue: DatabaseValue { databaseValue } }
extension Double: TestBindable { public var testValue: DatabaseValue { databaseValue } }
extension Optional: TestBindable where Wrapped: TestBindable { public var testValue: DatabaseValue { self?.testValue ?? .null } }

/// SQL a test runs on either engine, with `?` placeholders: to arrange a state no command makes
/// (a row edited by hand, a clock moved back) or to read rows the interface does not answer.
extension Store {
    public func sqlExecute(_ sql: String, _ arguments: [any TestBindable] = []) throws {
        _ = try sqlRows(sql, arguments)
    }

    /// The rows of a statement, each column as text (nil: NULL). Anything but a SELECT runs in a
    /// write transaction.
    public func sqlRows(_ sql: String, _ arguments: [any TestBindable] = []) throws -> [[String: String?]] {
        let write = !sql.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasPrefix("SELECT")
        if let s = self as? SQLiteStore {
            let grdb = StatementArguments(arguments.map(\.testValue))
            let body = { (db: Database) throws -> [[String: String?]] in
                try Row.fetchAll(db, sql: sql, arguments: grdb).map { row in
                    var out: [String: String?] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: out[column] = .some(nil)
                        case .int64(let i): out[column] = String(i)
                        case .double(let d): out[column] = String(d)
                        case .string(let t): out[column] = t
                        case .blob(let b): out[column] = String(decoding: b, as: UTF8.self)
                        }
                    }
                    return out
                }
            }
            return write ? try s.write(body) : try s.read(body)
        }
        if let p = self as? PostgresStore {
            let bound: SQLArguments = arguments.map { a -> any SQLBindable in
                switch a.testValue.storage {
                case .null: return String?.none
                case .int64(let i): return i
                case .double(let d): return d
                case .string(let t): return t
                case .blob(let b): return [UInt8](b)
                }
            }
            return try p.session { s in
                try s.rows(sql, bound).map { row in
                    var out: [String: String?] = [:]
                    for (i, column) in row.columns.enumerated() { out[column] = row.values[i].text }
                    return out
                }
            }
        }
        throw TestFailure("no SQL for \(type(of: self))")
    }

    public func sqlInt(_ sql: String, _ arguments: [any TestBindable] = []) throws -> Int64? {
        try sqlRows(sql, arguments).first.flatMap { $0.values.first ?? nil }.flatMap { Int64($0) ?? Double($0).map { Int64($0) } }
    }

    public func sqlInts(_ sql: String, _ arguments: [any TestBindable] = []) throws -> [Int64] {
        try sqlRows(sql, arguments).compactMap { $0.values.first ?? nil }.compactMap { Int64($0) ?? Double($0).map { Int64($0) } }
    }

    public func sqlText(_ sql: String, _ arguments: [any TestBindable] = []) throws -> String? {
        try sqlRows(sql, arguments).first.flatMap { $0.values.first ?? nil }
    }

    public func sqlTexts(_ sql: String, _ arguments: [any TestBindable] = []) throws -> [String] {
        try sqlRows(sql, arguments).compactMap { $0.values.first ?? nil }
    }

    /// The device's `num` (the compact key rows use).
    public func num(_ device: String) throws -> Int64 {
        guard let n = try registeredDevice(device)?.num else { throw TestFailure("no device \(device)") }
        return n
    }
}

import Testing

extension Trait where Self == ConditionTrait {
    /// For tests of SQLite's own machinery (its file, WAL, pragmas, triggers): skipped when the
    /// run is on PostgreSQL, which has tests of its own for the same guarantees.
    public static var sqliteOnly: Self {
        .enabled(if: TestEngine.current == .sqlite, "tests SQLite's own file, WAL or pragmas")
    }

    /// For tests of the PostgreSQL engine itself: run where a server is configured
    /// (`EQUIPWATCH_TEST_POSTGRES`; `scripts/test.sh` always starts one).
    public static var needsPostgres: Self {
        .enabled(if: TestPostgres.isConfigured, "needs a PostgreSQL server: EQUIPWATCH_TEST_POSTGRES (scripts/test.sh sets it)")
    }
}

/// The few SQL functions tests use that the engines spell differently.
public enum TestSQL {
    /// The length of the JSON array in `column`.
    public static func jsonArrayLength(_ column: String) -> String {
        TestEngine.current == .postgres ? "jsonb_array_length(\(column)::jsonb)" : "json_array_length(\(column))"
    }

    /// The number at top-level `key` of the JSON object in `column`.
    public static func jsonNumber(_ column: String, _ key: String) -> String {
        TestEngine.current == .postgres ? "((\(column))::jsonb->>'\(key)')::double precision" : "json_extract(\(column), '$.\(key)')"
    }
}
