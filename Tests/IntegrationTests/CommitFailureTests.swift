import Domain
import Foundation
import GRDB
import Pipeline
import Storage
import Testing
import TestSupport

@Suite("A commit that fails for good never wedges ingest (real broker, real SQLite)")
struct CommitFailureTests {
    @Test("a row SQLite refuses becomes one store_rejected dead letter; the rest of its commit and everything after is stored")
    func refusedRowIsQuarantined() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        // An injected permanent failure: SQLite refuses any reading whose data says "poison".
        try env.store.write { db in
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
}
