import Domain
import Foundation
import GRDB
import Records
import Storage
import Testing
import TestSupport

/// A store that vanished, was emptied, damaged, or lost committed readings is refused at start,
/// not replaced by an empty one; a damaged file refuses commits as a store failure, never as a
/// row's fault.
@Suite("The data folder remembers its store (real SQLite files)", .sqliteOnly)
struct StoreFolderTests {
    final class Folder {
        let directory = NSTemporaryDirectory() + "ew-folder-\(UUID().uuidString)"
        var path: String { directory + "/equipwatch.sqlite" }
        var folder: StoreFolder { StoreFolder(databasePath: path) }
        init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func open(acceptLoss: Bool = false) throws -> (store: SQLiteStore, accepted: StoreFolder.Problem?) {
            try folder.open(acceptLoss: acceptLoss, localDays: .china, now: 1_800_000_000_000)
        }

        /// Readings for one device, committed: `n` rows.
        func commitReadings(_ store: SQLiteStore, _ n: Int, from: Int64 = 1_800_000_000_000) throws {
            var fleet = Fleet()
            fleet.firms = [Firm(id: "f", name: "F", grade: "A")]
            fleet.sites = [Site(id: "s", name: "S", category: "school", city: "Tianjin", peopleExposed: 10)]
            fleet.gateways = [Gateway(id: "g", site: "s")]
            fleet.devices = [DeviceRecord(id: "E1", type: "elevator", gateway: "g", site: "s", owner: "o", firm: "f",
                                          commissioned: Day(parsing: "2020-01-01")!, lastInspections: [:], inspectionGrade: nil,
                                          attributes: [:], origin: Origin(file: "t", line: 1))]
            try store.importFleet(fleet, now: 1)
            let num = try store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = 'E1'")! }
            var batch = CommitBatch()
            for i in 0..<n {
                batch.messages.append(AcceptedMessage(deviceNum: num, entryIndex: 0, kind: .telemetry, ts: from + Int64(i), seq: nil,
                                                      receivedAt: from + Int64(i), values: [], code: nil,
                                                      data: JSONBytes(#"{"speed_mps":1.5,"note":"\#(String(repeating: "x", count: 200))"}"#)))
            }
            try store.commit(batch)
        }
    }

    @Test("a new folder starts a store and remembers it; opened again it starts as it was")
    func freshAndAgain() throws {
        let f = try Folder()
        let (store, accepted) = try f.open()
        #expect(accepted == nil)
        try f.commitReadings(store, 10)
        f.folder.noteCommitted(store)
        #expect(FileManager.default.fileExists(atPath: f.folder.markerPath))
        let again = try f.open()
        #expect(again.accepted == nil)
        #expect(try again.store.newestReadingId() == 10)
    }

    @Test("missing or empty where the folder held a store: refused with what happened, started empty only when the loss is accepted")
    func missingOrEmpty() throws {
        let f = try Folder()
        _ = try f.open()
        try FileManager.default.removeItem(atPath: f.path)
        #expect { try f.open() } throws: { error in
            guard case .missing? = error as? StoreFolder.Problem else { return false }
            return "\(error)".contains("is missing") && "\(error)".contains("--accept-store-loss")
        }
        #expect(!FileManager.default.fileExists(atPath: f.path), "a refused start created a file")
        let accepted = try f.open(acceptLoss: true)
        guard case .missing? = accepted.accepted else { Issue.record("\(String(describing: accepted.accepted))"); return }

        _ = FileManager.default.createFile(atPath: f.path + "-x", contents: nil)
        try FileManager.default.removeItem(atPath: f.path)
        try? FileManager.default.removeItem(atPath: f.path + "-wal")
        try? FileManager.default.removeItem(atPath: f.path + "-shm")
        _ = FileManager.default.createFile(atPath: f.path, contents: Data())
        #expect { try f.open() } throws: { error in
            if case .empty? = error as? StoreFolder.Problem { return true } else { return false }
        }
    }

    @Test("a damaged file fails quick_check and is refused; with the loss accepted it is kept aside and a new store started")
    func damaged() throws {
        let f = try Folder()
        do {
            let (store, _) = try f.open()
            try f.commitReadings(store, 3000)
            try store.checkpoint()
        }
        // Overwrite pages in the middle of the file, as a bad disk or a careless copy would.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: f.path))
        let size = try h.seekToEnd()
        try h.seek(toOffset: size / 2)
        h.write(Data(repeating: 0xA5, count: 16_384))
        try h.close()
        #expect { try f.open() } throws: { error in
            if case .damaged? = error as? StoreFolder.Problem { return true } else { return false }
        }
        let (store, accepted) = try f.open(acceptLoss: true)
        guard case .damaged? = accepted else { Issue.record("\(String(describing: accepted))"); return }
        #expect(try store.newestReadingId() == nil)
        let aside = try FileManager.default.contentsOfDirectory(atPath: f.directory).filter { $0.hasPrefix("equipwatch.sqlite.damaged-") }
        #expect(aside.contains("equipwatch.sqlite.damaged-1800000000000"))
    }

    @Test("readings committed and then gone (a write-ahead log deleted after a crash) are noticed at start")
    func readingsLost() throws {
        let f = try Folder()
        let (store, _) = try f.open()
        try f.commitReadings(store, 100)
        f.folder.noteCommitted(store)
        // A copy of the store taken now, put back later: the data folder remembers more.
        try store.backup(to: f.directory + "/older.sqlite")
        try f.commitReadings(store, 50, from: 1_800_000_100_000)
        f.folder.noteCommitted(store)
        try FileManager.default.removeItem(atPath: f.path)
        try? FileManager.default.removeItem(atPath: f.path + "-wal")
        try? FileManager.default.removeItem(atPath: f.path + "-shm")
        try FileManager.default.copyItem(atPath: f.directory + "/older.sqlite", toPath: f.path)
        #expect { try f.open() } throws: { error in
            guard case .readingsLost(_, let newest, let known)? = error as? StoreFolder.Problem else { return false }
            return newest == 100 && known == 150
        }
        let accepted = try f.open(acceptLoss: true)
        guard case .readingsLost? = accepted.accepted else { Issue.record("\(String(describing: accepted.accepted))"); return }
        #expect(try accepted.store.newestReadingId() == 100)
        // Accepted once, the folder now remembers what the store holds.
        #expect(try f.open().accepted == nil)
    }

    @Test("a backup is a checked copy, refused over an existing file")
    func backup() throws {
        let f = try Folder()
        let (store, _) = try f.open()
        try f.commitReadings(store, 20)
        try store.backup(to: f.directory + "/b.sqlite")
        let copy = try SQLiteStore(path: f.directory + "/b.sqlite", create: false)
        #expect(try copy.quickCheck() == ["ok"])
        #expect(try copy.newestReadingId() == 20)
        #expect(throws: StoreError.self) { try store.backup(to: f.directory + "/b.sqlite") }
    }

    @Test("commits to a truncated file fail as a store failure (retried, never quarantined), not as a row's fault")
    func truncatedFileIsAStoreFailure() throws {
        let f = try Folder()
        let (store, _) = try f.open()
        try f.commitReadings(store, 3000)
        try store.checkpoint()
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: f.path))
        try h.truncate(atOffset: try h.seekToEnd() / 3)
        try h.close()
        // A connection that has not cached the pages, as after a restart or a full cache.
        let reopened = try SQLiteStore(path: f.path)
        let num = try reopened.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = 'E1'")! }
        var batch = CommitBatch()
        for i in 0..<500 {
            batch.messages.append(AcceptedMessage(deviceNum: num, entryIndex: 0, kind: .telemetry, ts: 1_700_000_000_000 + Int64(i) * 7919 % 3000,
                                                  seq: nil, receivedAt: 1, values: [], code: nil, data: JSONBytes(#"{"speed_mps":1}"#)))
        }
        var calls = 0
        do {
            let refused = try reopened.commitSalvaging(batch) { _ in calls += 1 }
            Issue.record("a commit to a truncated store succeeded (\(refused.count) rows refused as theirs)")
        } catch {
            #expect(error.isStoreFailure && error.isDamage, "\(error)")
        }
        #expect(calls == 0)
    }
}
