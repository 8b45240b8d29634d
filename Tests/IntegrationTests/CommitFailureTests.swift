import Settings
import MQTT
import Domain
import Foundation
import GRDB
import Pipeline
import Records
import Services
import Storage
import Testing
import TestSupport

@Suite("A commit that fails for good never wedges ingest (real broker, real SQLite)", .sqliteOnly)
struct CommitFailureTests {
    @Test("a row SQLite refuses becomes one store_rejected dead letter; the rest of its commit and everything after is stored")
    func refusedRowIsQuarantined() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        // An injected permanent failure: SQLite refuses any reading whose data says "poison".
        try env.sqlite.write { db in
            try db.execute(sql: """
                CREATE TRIGGER test_poison BEFORE INSERT ON readings WHEN NEW.data LIKE '%poison%'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let pub = try env.publisher()
        defer { pub.stop() }
        let cylinder = env.device("gas_cylinder")
        let elevator = env.device("elevator")
        let t = nowMs() - 60_000
        for i in 0..<10 {
            let station = i == 4 ? "poison" : "s1"
            let payload = #"{"ts":\#(t + Int64(i)),"seq":\#(i + 1),"data":{"fill_pressure_mpa":1.9,"net_kg":14.5,"operator":"\#(station)"}}"#
            try pub.publish(topic: env.topic(cylinder), payload: Array(payload.utf8), qos: 1)
        }
        try pub.publish(topic: env.topic(elevator, "event"), payload: Array(#"{"ts":\#(t),"seq":1,"code":"trapped"}"#.utf8), qos: 1)
        #expect(pub.flush(timeout: 10))
        try waitUntil(timeout: 10, "the refused row quarantined") {
            try env.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'store_rejected'") == 1
        }
        try waitUntil(timeout: 10, "the other readings stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 9 }
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE code = 'trapped'") == 1)
        let letter = try #require(try env.store.deadLetters(reason: .storeRejected, from: nil, to: nil, limit: 5).first)
        #expect(letter.detail.contains("injected failure"))
        #expect(letter.payload.text.contains("poison"))
        #expect(letter.device == cylinder.id)
        // Ingest goes on.
        let later = #"{"ts":\#(t + 100),"seq":11,"data":{"fill_pressure_mpa":1.9,"net_kg":14.5,"operator":"s1"}}"#
        try pub.publish(topic: env.topic(cylinder), payload: Array(later.utf8), qos: 1)
        #expect(pub.flush(timeout: 10))
        try waitUntil(timeout: 10, "the next reading stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 10 }
        #expect(pipeline.stats.storeFailure == nil)
        #expect(pipeline.stats.deadLetters(.storeRejected) == 1)
    }

    /// Makes the store "full" for the pipeline's writer connection: it may not grow (SQLITE_FULL,
    /// as on a full disk) until `lift` is called.
    static func fillUp(_ env: TestEnvironment) throws -> @Sendable () throws -> Void {
        let store = env.sqlite
        try store.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count")!
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        return { try store.write { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") } }
    }

    @Test("a full store: nothing becomes a dead letter, the failure is known at once, the outage is recorded, and everything is stored once it has room")
    func fullStoreRecovers() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let lift = try Self.fillUp(env)
        let pub = try env.publisher()
        defer { pub.stop() }
        let d = env.device("elevator")
        let t = nowMs() - 60_000
        for i in 0..<300 {
            let payload = #"{"ts":\#(t + Int64(i)),"seq":\#(i + 1),"data":{"speed_mps":1.0,"floor":\#(i % 20)}}"#
            try pub.publish(topic: env.topic(d), payload: Array(payload.utf8), qos: 1)
        }
        try waitUntil(timeout: 10, "the store failure known") { pipeline.stats.storeFailure != nil }
        #expect(pipeline.stats.storeFailure?.error.contains("full") == true, "\(String(describing: pipeline.stats.storeFailure))")
        try lift()
        try waitUntil(timeout: 20, "everything stored once there is room") { try env.count("SELECT COUNT(*) FROM readings_flat") == 300 }
        #expect(pipeline.stats.deadLetters(.storeRejected) == 0)
        #expect(try env.count("SELECT COUNT(*) FROM dead_letters") == 0)
        try waitUntil(timeout: 10, "the store's outage recorded, ended") {
            try env.count("SELECT COUNT(*) FROM pipeline_outages WHERE cause = 'store' AND ended_at IS NOT NULL") == 1
        }
        #expect(pipeline.stats.storeFailure == nil)
    }

    @Test("a stop while the store stays full gives up the refused commit after store.shutdown_timeout, instead of hanging")
    func stopWhileFull() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        env.settings.store.shutdownTimeout = .seconds(2)
        let pipeline = try env.startedPipeline()
        _ = try Self.fillUp(env)
        let pub = try env.publisher()
        defer { pub.stop() }
        let d = env.device("elevator")
        let t = nowMs() - 60_000
        for i in 0..<300 {
            try pub.publish(topic: env.topic(d), payload: Array(#"{"ts":\#(t + Int64(i)),"seq":\#(i + 1),"data":{"speed_mps":1.0}}"#.utf8), qos: 1)
        }
        try waitUntil(timeout: 10, "the store failure known") { pipeline.stats.storeFailure != nil }
        let started = Date()
        let succeeded = pipeline.stop()
        let took = Date().timeIntervalSince(started)
        #expect(!succeeded)
        #expect(took < 10, "stop took \(took) s")
    }
}
