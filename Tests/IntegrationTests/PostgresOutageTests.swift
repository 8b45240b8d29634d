import Domain
import MQTT
import Pipeline
import Foundation
import Records
import Testing
import TestSupport

/// PostgreSQL going away under a running pipeline (a restart, a lost connection): ingest holds,
/// the failure is known at once (what `/healthz` names), nothing becomes a dead letter, and
/// everything acknowledged is stored once the database is back.
@Suite("PostgreSQL restarts under ingest (real broker, real PostgreSQL of the test's own)", .needsPostgres, .serialized)
struct PostgresOutageTests {
    @Test("the database stopped and started again: the failure is known, nothing is lost or quarantined, the outage is recorded")
    func restartUnderIngest() throws {
        let cluster = try TestPostgresCluster()
        defer { cluster.stop() }
        let env = try TestEnvironment(postgresURL: try cluster.database())
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let pub = try env.publisher()
        defer { pub.stop() }
        let d = env.device("elevator")
        let t = nowMs() - 60_000
        func publish(_ range: Range<Int>) throws {
            for i in range {
                let payload = #"{"ts":\#(t + Int64(i)),"seq":\#(i + 1),"data":{"speed_mps":1.0,"floor":\#(i % 20)}}"#
                try pub.publish(topic: env.topic(d), payload: Array(payload.utf8), qos: 1)
            }
        }
        try publish(0..<100)
        try waitUntil(timeout: 20, "the first 100 stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 100 }

        try cluster.pause()
        try publish(100..<300)
        try waitUntil(timeout: 20, "the store failure known") { pipeline.stats.storeFailure != nil }
        let failure = try #require(pipeline.stats.storeFailure)
        #expect(failure.error.contains("PostgreSQL"), "\(failure.error)")
        #expect(pipeline.stats.deadLetters(.storeRejected) == 0)

        try cluster.resume()
        try waitUntil(timeout: 40, "everything stored once the database is back") { try env.count("SELECT COUNT(*) FROM readings_flat") == 300 }
        #expect(try env.count("SELECT COUNT(*) FROM dead_letters") == 0)
        #expect(try env.count("SELECT COUNT(DISTINCT seq) FROM readings_flat") == 300)
        try waitUntil(timeout: 20, "the store's outage recorded, ended") {
            try env.count("SELECT COUNT(*) FROM pipeline_outages WHERE cause = 'store' AND ended_at IS NOT NULL") == 1
        }
        #expect(pipeline.stats.storeFailure == nil)
    }
}
