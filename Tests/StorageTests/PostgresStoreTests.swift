import Domain
import Foundation
@testable import PostgresStorage
import Records
import Testing
import TestSupport

/// What only PostgreSQL has: connecting (and the one line each way it can fail), the schema's
/// version, the salvage of a refused commit with PostgreSQL's own codes, monthly partitions.
/// Runs on a real server (`TestPostgres`), whichever engine the rest of the run uses.
@Suite("PostgreSQL engine: opening, versions, salvage, partitions (real PostgreSQL)", .needsPostgres)
struct PostgresStoreTests {
    static let t0: Int64 = 1_795_000_000_000

    /// A fresh database of the test server, dropped at the end.
    struct Database {
        let name: String
        let url: String
        init() throws { (name, url) = try TestPostgres.freshDatabase() }
        func close() { TestPostgres.drop(name) }
    }

    @Test("a URL that cannot be reached, a wrong password, a missing database, a bad URL: one clear line each")
    func openingErrors() throws {
        let db = try Database()
        defer { db.close() }
        let server = try #require(URLComponents(string: db.url))
        let port = try #require(server.port)
        func refusal(_ url: String) -> String {
            do {
                _ = try PostgresStore(url: url)
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        let wrong = refusal("postgres://postgres:wrong@127.0.0.1:\(port)/\(db.name)?sslmode=disable")
        #expect(wrong.contains("refused the user or password"))
        #expect(!wrong.contains("wrong"))  // the password is never repeated
        #expect(refusal("postgres://postgres:x@127.0.0.1:1/\(db.name)?sslmode=disable").contains("cannot be reached"))
        let missing = refusal(try TestPostgres.url(database: "no_such_db_\(UUID().uuidString.prefix(6).lowercased())"))
        #expect(missing.contains("the database does not exist"))
        #expect(refusal("postgres://127.0.0.1/x").contains("no user"))
        #expect(refusal("postgres://u@127.0.0.1/x?sslmode=sometimes").contains("sslmode 'sometimes'"))
        #expect(!"\(refusal("postgres://u:secret@127.0.0.1:99999/x"))".contains("secret"))
        for line in [wrong, missing] { #expect(!line.contains("\n")) }
    }

    @Test("a database of another application, a newer schema and an empty database opened for reading are refused; the schema is made once")
    func schemaVersions() throws {
        let db = try Database()
        defer { db.close() }
        #expect(throws: StoreError.self) { _ = try PostgresStore(url: db.url, create: false) }
        let store = try PostgresStore(url: db.url)
        #expect(try store.appliedMigrations().count == PostgresSchema.identifiers.count)
        // Opened again: nothing made twice.
        _ = try PostgresStore(url: db.url)
        #expect(try store.sqlInt("SELECT COUNT(*) FROM schema_migrations") == Int64(PostgresSchema.identifiers.count))
        try store.sqlExecute("INSERT INTO schema_migrations(identifier, applied_at) VALUES ('v99-from-the-future', 0)")
        #expect { _ = try PostgresStore(url: db.url) } throws: { "\($0)".contains("has a newer schema than this binary's (v99-from-the-future)") }

        let other = try Database()
        defer { other.close() }
        try TestPostgres.execute(url: other.url, "CREATE TABLE invoices(id int)")
        #expect { _ = try PostgresStore(url: other.url) } throws: { "\($0)".contains("no EquipWatch schema") }
    }

    @Test("a store made at the baseline (v19) gets the later migrations (v20-accidents) when a newer binary opens it, each once")
    func laterMigrations() throws {
        let db = try Database()
        defer { db.close() }
        let store = try PostgresStore(url: db.url)
        // Back to the baseline: what a v19 binary left.
        try store.sqlExecute("DROP TABLE accidents")
        try store.sqlExecute("DROP TABLE accident_devices")
        try store.sqlExecute("DELETE FROM schema_migrations WHERE identifier = 'v20-accidents'")
        // A query's open (no upgrade) refuses it and names the command; `run` and `store migrate` upgrade it.
        #expect { _ = try PostgresStore(url: db.url, upgrade: .refuse) } throws: { "\($0)".contains("has an older schema than this binary's (it lacks v20-accidents)") }
        let reopened = try PostgresStore(url: db.url)
        #expect(reopened.upgraded?.applied == ["v20-accidents"])
        #expect(try reopened.appliedMigrations() == PostgresSchema.identifiers.sorted())
        #expect(try reopened.sqlInt("SELECT COUNT(*) FROM accidents") == 0)
        #expect(try reopened.sqlInt("SELECT COUNT(*) FROM schema_migrations WHERE identifier = 'v20-accidents'") == 1)
        _ = try PostgresStore(url: db.url)
        #expect(try reopened.sqlInt("SELECT COUNT(*) FROM schema_migrations") == Int64(PostgresSchema.identifiers.count))
    }

    @Test("a permanent refusal is split down to the refused row (its SQLSTATE kept); a serialization failure in the middle is retried on that part only")
    func salvage() throws {
        let db = try Database()
        defer { db.close() }
        let store = try PostgresStore(url: db.url)
        // Refuses "poison" for good (check_violation), "busy" once (serialization_failure).
        try store.sqlExecute("CREATE SEQUENCE test_busy_once")
        try store.sqlExecute("""
            CREATE FUNCTION test_check_row() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.data LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned' USING ERRCODE = '23514'; END IF;
                IF NEW.data LIKE '%busy%' AND nextval('test_busy_once') = 1 THEN
                    RAISE EXCEPTION 'busy for a moment' USING ERRCODE = '40001';
                END IF;
                RETURN NEW;
            END $$
            """)
        try store.sqlExecute("CREATE TRIGGER test_check BEFORE INSERT ON readings FOR EACH ROW EXECUTE FUNCTION test_check_row()")
        var batch = CommitBatch()
        for (i, data) in [#"{"a":1}"#, #"{"b":"poison"}"#, #"{"c":"busy"}"#, #"{"d":2}"#].enumerated() {
            batch.messages.append(AcceptedMessage(deviceNum: Int64(i + 1), entryIndex: 0, kind: .telemetry, ts: Self.t0 + Int64(i), seq: UInt64(i),
                                                  receivedAt: 0, values: [], code: nil, data: JSONBytes(data)))
        }
        var waits: [String] = []
        let refused = try store.commitSalvaging(batch) { error in waits.append(error.sqlState ?? "?") }
        #expect(refused.count == 1)
        #expect(refused.first?.row.messages.first?.data.string.contains("poison") == true)
        #expect(refused.first?.error.sqlState == "23514")
        #expect(refused.first?.error.isStoreFailure == false)
        #expect(waits == ["40001"])
        #expect(try store.sqlTexts("SELECT data FROM readings_flat ORDER BY ts") == [#"{"a":1}"#, #"{"c":"busy"}"#, #"{"d":2}"#])
    }

    @Test("readings land in their month's partition; rows that went to the default partition move when their month's is made; emptied past months are dropped")
    func partitions() throws {
        let db = try Database()
        defer { db.close() }
        let store = try PostgresStore(url: db.url)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let thisMonth = PostgresStore.month(of: now)
        let farFuture = now + 5 * 365 * 86_400_000  // beyond the months made on demand: the default partition
        func reading(_ ts: Int64, _ seq: UInt64) -> AcceptedMessage {
            AcceptedMessage(deviceNum: 1, entryIndex: 0, kind: .telemetry, ts: ts, seq: seq, receivedAt: now, values: [], code: nil,
                            data: JSONBytes(#"{"v":1}"#))
        }
        var batch = CommitBatch()
        batch.messages = [reading(now, 1), reading(farFuture, 2)]
        try store.commit(batch)
        #expect(try store.sqlInt("SELECT COUNT(*) FROM \(thisMonth.name)") == 1)
        #expect(try store.sqlInt("SELECT COUNT(*) FROM readings_default") == 1)
        // The far month's partition made by hand (as time reaches it): its row moves in.
        let far = PostgresStore.month(of: farFuture)
        try store.makePartitions([far])
        #expect(try store.sqlInt("SELECT COUNT(*) FROM \(far.name)") == 1)
        #expect(try store.sqlInt("SELECT COUNT(*) FROM readings_default") == 0)
        #expect(try store.count(.readings) == 2)
        // A month that ended is dropped once retention emptied it; a month with rows left is kept.
        try store.sqlExecute("DELETE FROM readings WHERE ts = ?", [now])
        #expect(try store.dropEmptyPartitions(before: thisMonth.end) == 1)
        #expect(try store.sqlInt("SELECT COUNT(*) FROM pg_class WHERE relname = ?", [far.name]) == 1)
        #expect(try store.sqlInt("SELECT COUNT(*) FROM pg_class WHERE relname = ?", [thisMonth.name]) == 0)
    }

    @Test("stream and outbox ids become visible in commit order, and an open transaction that made one holds no other writer back")
    func followedIdsInCommitOrder() throws {
        let db = try Database()
        defer { db.close() }
        let store = try PostgresStore(url: db.url)
        var fleet = Fleet()
        fleet.firms = [Firm(id: "firm-a", name: "Firm A", grade: "A", nameZh: nil)]
        fleet.owners = [Owner(id: "owner-1", name: "School", nameZh: nil)]
        fleet.sites = [Site(id: "site-1", name: "School", category: "school", city: "Tianjin", peopleExposed: 800)]
        fleet.gateways = [Gateway(id: "gw-1", site: "site-1")]
        fleet.devices = [DeviceRecord(id: "E1", type: "elevator", gateway: "gw-1", site: "site-1", owner: "owner-1", firm: "firm-a",
                                      commissioned: Day(parsing: "2015-05-01")!, lastInspections: [:], inspectionGrade: nil,
                                      attributes: [:], origin: Origin(file: "test", line: 1))]
        try store.importFleet(fleet, now: Self.t0, sourceHash: "abc")
        let e1 = try store.num("E1")
        // The first writer makes its rows, then stays open until the second has committed (or 20 s).
        let secondCommitted = DispatchSemaphore(value: 0)
        let firstMade = DispatchSemaphore(value: 0)
        let first = Thread {
            try? store.write("first") { s in
                try PostgresStore.insertChange(.alarm, deviceNum: e1, at: 1, payload: #"{"w":"first"}"#, s)
                try PostgresStore.insertOutbox(OutboxMessage(topic: "t", payload: "first"), at: 1, s)
                firstMade.signal()
                _ = secondCommitted.wait(timeout: .now() + 20)
            }
            firstMade.signal()
        }
        first.start()
        firstMade.wait()
        try store.write("second") { s in
            try PostgresStore.insertChange(.alarm, deviceNum: e1, at: 2, payload: #"{"w":"second"}"#, s)
            try PostgresStore.insertOutbox(OutboxMessage(topic: "t", payload: "second"), at: 2, s)
        }
        secondCommitted.signal()
        firstMade.wait()   // the first writer's transaction has ended
        // Committed second, then first: a reader that saw the second's id and moved on can
        // never find the first's below it.
        #expect(try store.sqlTexts("SELECT payload FROM changes ORDER BY id") == [#"{"w":"second"}"#, #"{"w":"first"}"#])
        #expect(try store.sqlTexts("SELECT payload FROM outbox ORDER BY id") == ["second", "first"])
        #expect(try store.sqlTexts("SELECT firm FROM changes") == ["firm-a", "firm-a"])
    }
}
