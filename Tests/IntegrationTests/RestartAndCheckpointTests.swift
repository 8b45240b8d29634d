import Settings
import MQTT
import DeviceCatalog
import Domain
import Foundation
import GRDB
import Ingest
import Pipeline
import SourceFiles
import Records
import Services
import Storage
import Testing
import TestSupport

/// A restart with unchanged registry files loads the registry from the store without parsing
/// the fleet again; any change to the files is parsed and imported. And the WAL checkpoints the
/// pipeline runs on their own connection.
@Suite("Registry restarts and WAL checkpoints (real files, real SQLite)", .sqliteOnly)
struct RestartAndCheckpointTests {
    static func store() throws -> (SQLiteStore, String) {
        let dir = NSTemporaryDirectory() + "ew-restart-\(UUID().uuidString)"
        return (try SQLiteStore(path: dir + "/equipwatch.sqlite"), dir)
    }

    @Test func unchangedFilesLoadFromTheStoreAndChangedFilesAreImported() throws {
        let devices = try devicesFolder(replacing: [:])
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: devices) }
        #expect(try store.registrySourceHash() == nil)
        let first = try RegistrySync.load(devicesDirectory: devices, store: store, now: 1_000)
        let hash = try #require(try store.registrySourceHash())
        #expect(hash == (try Catalog.sources(directory: devices)).hash)

        // Unchanged: the same registry, and the import was not repeated (its time stays).
        let again = try RegistrySync.load(devicesDirectory: devices, store: store, now: 2_000)
        #expect(again.directory.entries.map(\.id) == first.directory.entries.map(\.id))
        #expect(again.directory.entries.map(\.gateway) == first.directory.entries.map(\.gateway))
        #expect(Set(again.types.keys) == Set(first.types.keys))
        let importedAt = try store.read { db in try Int64.fetchOne(db, sql: "SELECT imported_at FROM registry_source") }
        #expect(importedAt == 1_000)

        // One device moved to another site's gateway: parsed, imported, and a new hash.
        let fleet = devices + "/fleet/tianjin.yaml"
        let text = try String(contentsOfFile: fleet, encoding: .utf8)
        let device = try #require(first.directory.entries.first { $0.gateway == "gw-heping-residential-1" })
        let line = try #require(text.split(separator: "\n").first { $0.contains("id: \"\(device.id)\"") })
        try text.replacingOccurrences(of: String(line), with: line.replacingOccurrences(of: "gateway: gw-heping-residential-1", with: "gateway: gw-heping-residential-2"))
            .write(toFile: fleet, atomically: true, encoding: .utf8)
        let changed = try RegistrySync.load(devicesDirectory: devices, store: store, now: 3_000)
        #expect(changed.directory.entry(device.id)?.gateway == "gw-heping-residential-2")
        #expect(try store.registrySourceHash() != hash)

        // A registry merged from elsewhere (`devices import`) forgets the hash: the next run parses.
        let catalog = try Catalog.load(directory: devices)
        _ = try store.importFleet(catalog.fleet, now: 4_000)
        #expect(try store.registrySourceHash() == nil)
    }

    @Test func checkpointsCopyTheWALBackOnTheirOwnConnection() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
        _ = try store.importFleet(catalog.fleet, now: 1_000)
        let checkpointer = try #require(try Checkpointer(store: store))
        _ = try checkpointer.checkpoint()
        // With automatic checkpoints off, the WAL keeps every frame the commits wrote...
        var batch = CommitBatch()
        for i in 0..<40_000 {
            batch.messages.append(AcceptedMessage(deviceNum: Int64(i % 300 + 1), entryIndex: 0, kind: .telemetry, ts: Int64(i), seq: UInt64(i),
                                                  receivedAt: Int64(i), values: [], code: nil, data: #"{"speed_mps":1.5,"floor":3}"#))
            if batch.messages.count == 500 {
                try store.commit(batch)
                batch = CommitBatch()
            }
        }
        let outcome = try checkpointer.checkpoint()
        #expect(outcome.walFrames > 2000, "the writer did not checkpoint by itself: \(outcome.walFrames) frames")
        // ...until the checkpointer copies them all (no reader holds an older snapshot).
        #expect(outcome.checkpointed == outcome.walFrames)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM readings_flat") } == 40_000)
        checkpointer.close()
    }

    /// Readings from 300 devices in commits of `perCommit` rows.
    static func commit(_ store: SQLiteStore, _ range: Range<Int>, perCommit: Int = 500) throws {
        var batch = CommitBatch()
        for i in range {
            batch.messages.append(AcceptedMessage(deviceNum: Int64(i % 300 + 1), entryIndex: 0, kind: .telemetry, ts: Int64(i), seq: UInt64(i),
                                                  receivedAt: Int64(i), values: [], code: nil, data: #"{"speed_mps":1.5,"floor":3}"#))
            if batch.messages.count == perCommit || i == range.upperBound - 1 {
                try store.commit(batch)
                batch = CommitBatch()
            }
        }
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// While commits keep coming, a passive checkpoint never catches up and the WAL never starts
    /// over (here a reader holds a snapshot while the checkpointer copies, as a commit arriving
    /// mid-copy does). Past the limit the checkpointer says so; a checkpoint on the writer, between
    /// commits, copies the rest, and the next commit starts the WAL over, cut back to the limit.
    @Test func aWALPastItsLimitStartsOverOnceTheWriterCheckpoints() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wal = store.path + "-wal"
        let checkpointer = try #require(try Checkpointer(store: store, walLimitBytes: 1 << 20))
        defer { checkpointer.close() }
        _ = try checkpointer.checkpoint()
        try Self.commit(store, 0..<8_000)

        var config = Configuration()
        config.allowsUnsafeTransactions = true  // the reader's snapshot stays open across accesses
        let reader = try DatabaseQueue(path: store.path, configuration: config)
        try reader.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM readings")
        }
        try Self.commit(store, 8_000..<10_000)
        let copied = try checkpointer.checkpoint()
        #expect(copied.isOverLimit, "\(copied.walFrames) frames against a limit of \(checkpointer.walLimitFrames)")
        #expect(copied.checkpointed < copied.walFrames, "the reader's snapshot did not hold the checkpoint back")
        try reader.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        try reader.close()

        // Not everything was copied when the writer began: the WAL grows on.
        let before = Self.fileSize(wal)
        try Self.commit(store, 10_000..<11_000)
        let grown = Self.fileSize(wal)
        #expect(grown > before, "the WAL started over without the writer's checkpoint")

        let onWriter = try store.checkpointOnWriter(limitFrames: checkpointer.walLimitFrames)
        #expect(onWriter.checkpointed == onWriter.walFrames && onWriter.walFrames > copied.walFrames && onWriter.isOverLimit)
        try Self.commit(store, 11_000..<11_050)
        #expect(Self.fileSize(wal) <= 1 << 20, "the WAL file was not cut back to the limit: \(Self.fileSize(wal)) bytes")
        let after = try checkpointer.checkpoint()
        #expect(after.walFrames < 200, "the WAL did not start over: \(after.walFrames) frames")
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM readings_flat") } == 11_050)
    }

    /// The pipeline end to end: a backlog queued at the broker while the pipeline was down drains
    /// with the worker saturated. With `store.max_wal_mb` at 1 the WAL stays near it; with the
    /// bound out of reach it grows with the backlog (the same drain, for contrast).
    @Test func aDrainingBacklogKeepsTheWALNearItsLimit() throws {
        let messages = 30_000
        func drain(maxWALMiB: Int) throws -> Int {
            let env = try TestEnvironment()
            defer { env.close() }
            env.settings.store.maxWALMiB = maxWALMiB
            env.settings.store.checkpointInterval = Interval(milliseconds: 20)
            // Commits of a few rows come faster than a checkpoint copies and syncs, as a release
            // build's large commits do: the checkpoint thread alone never catches up.
            env.settings.store.commitMaxRows = 20
            try env.startedPipeline().stop()  // creates the persistent session at the broker
            let devices = env.catalog.fleet.devices.sorted { $0.id < $1.id }
            let publisher = try env.publisher(window: 1000)
            for i in 0..<messages {
                let d = devices[i % devices.count]
                _ = try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: UInt64(i / devices.count + 1)).utf8), qos: 1)
            }
            #expect(publisher.flush(timeout: 60))
            publisher.stop()
            let wal = env.store.path + "-wal"
            let pipeline = try env.startedPipeline()
            defer { pipeline.stop() }
            var largest = 0
            // The drain is watched from the worker's own count and the WAL file's size: a reader
            // of this store here would hold the WAL open and measure the test, not the worker.
            try waitUntil(timeout: 120, "the backlog accepted") {
                largest = max(largest, Self.fileSize(wal))
                return pipeline.stats.accepted >= messages
            }
            try waitUntil(timeout: 30, "the backlog stored") {
                largest = max(largest, Self.fileSize(wal))
                return try env.count("SELECT coalesce(sum(coalesce(elements, 1)), 0) FROM readings") == Int64(messages)
            }
            return largest
        }
        let bounded = try drain(maxWALMiB: 1)
        let unbounded = try drain(maxWALMiB: 1024)
        // The worker looks at the WAL after every commit and starts it over once it is past the
        // limit, so it exceeds the limit by the commits made while a reader holds the WAL open:
        // 1.1 MiB measured alone. The pipeline's own services read too (the first risk grading and
        // compliance round run during the drain), and on a machine loaded by the whole parallel
        // suite one such read held the WAL long enough for 11.6 MiB once; 16 MiB is allowed, still
        // a seventh of what the same drain writes without the bound (110 MiB).
        #expect(bounded <= 16 << 20, "the WAL reached \(bounded) bytes with a limit of 1 MiB")
        #expect(unbounded > 4 * bounded, "without the bound the WAL reached only \(unbounded) bytes (with it \(bounded)): the drain did not load the writer")
        print("WAL during a \(messages)-message drain: \(bounded) bytes with max_wal_mb 1, \(unbounded) without")
    }
}
