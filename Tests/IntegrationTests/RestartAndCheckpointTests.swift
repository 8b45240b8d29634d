import DeviceCatalog
import Domain
import Foundation
import Ingest
import Pipeline
import SourceFiles
import Storage
import Testing
import TestSupport

/// A restart with unchanged registry files loads the registry from the store without parsing
/// the fleet again; any change to the files is parsed and imported. And the WAL checkpoints the
/// pipeline runs on their own connection.
@Suite("Registry restarts and WAL checkpoints (real files, real SQLite)")
struct RestartAndCheckpointTests {
    static func store() throws -> (Store, String) {
        let dir = NSTemporaryDirectory() + "ew-restart-\(UUID().uuidString)"
        return (try Store(path: dir + "/equipwatch.sqlite"), dir)
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
}
