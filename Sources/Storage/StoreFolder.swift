import Domain
import Records
import Foundation
import GRDB

/// What the data folder remembers of its store (`equipwatch.sqlite.json` beside the file), so a
/// store that vanished, was emptied or was damaged is never silently replaced by an empty one,
/// and committed readings that vanished (a write-ahead log deleted after a crash, an older copy
/// put in place) are noticed: the marker keeps the highest reading id known to be committed.
///
/// The pipeline opens its store through `open`: it refuses (with what happened and what to do)
/// unless the operator accepts the loss, in which case a damaged file is kept aside, not deleted.
public struct StoreFolder: Sendable {
    public let databasePath: String
    public var markerPath: String { databasePath + ".json" }
    var walPath: String { databasePath + "-wal" }

    public init(databasePath: String) { self.databasePath = databasePath }

    /// What the marker says: when the store was created, and the highest reading id known to
    /// be committed (written by the pipeline every checkpoint interval).
    struct Marker: Codable, Equatable {
        var createdAt: Int64
        var readingsHigh: Int64?
        enum CodingKeys: String, CodingKey { case createdAt = "created_at", readingsHigh = "readings_high" }
    }

    /// Why a store is refused at start.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case missing(path: String, createdAt: Int64)
        case empty(path: String, createdAt: Int64)
        case readingsLost(path: String, newest: Int64, known: Int64)
        case damaged(path: String, detail: String)

        public var description: String {
            let advice = "restore the latest backup (docs/operations.md), or start with what is left with `equipwatch run --accept-store-loss`"
            return switch self {
            case .missing(let path, let created):
                "the store \(path) is missing, but this data folder has held one since \(Timestamp.format(created)): \(advice)"
            case .empty(let path, let created):
                "the store \(path) is empty (0 bytes), but this data folder has held one since \(Timestamp.format(created)): \(advice)"
            case .readingsLost(let path, let newest, let known):
                "the store \(path) holds readings up to id \(newest), but readings up to \(known) were committed to it (its write-ahead log \(path)-wal deleted after a crash, or an older copy put in place): \(known - newest) or more readings are lost; \(advice)"
            case .damaged(let path, let detail):
                "the store \(path) is damaged (\(detail)): \(advice) (the damaged file is then kept aside)"
            }
        }
    }

    /// Opens the store for a pipeline: checks it against the marker and with `PRAGMA
    /// quick_check`, then marks it open. `acceptLoss`: start anyway (a missing or empty store
    /// starts empty; a damaged one is moved aside and a new one started; a lost log is accepted).
    /// Returns the store and what was accepted (nil: nothing was wrong).
    public func open(acceptLoss: Bool, localDays: LocalDays, now: Int64) throws -> (store: SQLiteStore, accepted: Problem?) {
        let fm = FileManager.default
        let marker = readMarker()
        var accepted: Problem?
        func refuseOrAccept(_ p: Problem) throws {
            guard acceptLoss else { throw p }
            accepted = p
        }
        let size = (try? fm.attributesOfItem(atPath: databasePath)[.size] as? NSNumber)?.int64Value
        if let m = marker {
            if size == nil { try refuseOrAccept(.missing(path: databasePath, createdAt: m.createdAt)) }
            else if size == 0 {
                try refuseOrAccept(.empty(path: databasePath, createdAt: m.createdAt))
                try moveAside(now: now)
            }
        }
        var store: SQLiteStore
        do {
            store = try SQLiteStore(path: databasePath, localDays: localDays)
            let check = try store.quickCheck()
            if check != ["ok"] { throw Problem.damaged(path: databasePath, detail: check.prefix(3).joined(separator: "; ")) }
            if let known = marker?.readingsHigh, let newest = try store.newestReadingId(), newest < known {
                try refuseOrAccept(.readingsLost(path: databasePath, newest: newest, known: known))
            }
        } catch let p as Problem where { if case .readingsLost = p { return true } else { return false } }() {
            throw p
        } catch let e as StoreError where { if case .schema = e { return true } else { return false } }() {
            // Another binary's schema is no damage: never moved aside, whatever --accept-store-loss says.
            throw e
        } catch {
            let problem = error as? Problem ?? .damaged(path: databasePath, detail: "\(error)")
            try refuseOrAccept(problem)
            try moveAside(now: now)
            store = try SQLiteStore(path: databasePath, localDays: localDays)
        }
        // A store started anew has a new history; one kept (even with readings lost) its own.
        let startedAnew: Bool = switch accepted {
        case .missing?, .empty?, .damaged?: true
        case .readingsLost?, nil: false
        }
        try writeMarker(Marker(createdAt: startedAnew ? now : marker?.createdAt ?? now, readingsHigh: try store.newestReadingId()))
        return (store, accepted)
    }

    /// Records the highest reading id committed so far, when it moved (the pipeline, each
    /// checkpoint interval). A failure to write is not the store's: it is tried again next time.
    public func noteCommitted(_ store: any Store) {
        guard let newest = try? store.newestReadingId(), var m = readMarker(), m.readingsHigh != newest else { return }
        m.readingsHigh = newest
        try? writeMarker(m)
    }

    func readMarker() -> Marker? {
        guard let data = FileManager.default.contents(atPath: markerPath) else { return nil }
        return try? JSONDecoder().decode(Marker.self, from: data)
    }

    func writeMarker(_ m: Marker) throws {
        let data = try JSONEncoder().encode(m)
        let tmp = markerPath + ".tmp"
        try data.write(to: URL(fileURLWithPath: tmp))
        _ = rename(tmp, markerPath)
    }

    /// Keeps a damaged or empty store (and its log) aside as `….damaged-{time}`.
    func moveAside(now: Int64) throws {
        let fm = FileManager.default
        let suffix = ".damaged-\(now)"
        for p in [databasePath, walPath, databasePath + "-shm"] where fm.fileExists(atPath: p) {
            try fm.moveItem(atPath: p, toPath: p + suffix)
        }
    }
}

extension SQLiteStore {
    /// The highest reading id stored (nil: no readings).
    public func newestReadingId() throws(StoreError) -> Int64? {
        do { return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM readings") } }
        catch { throw StoreError(operation: "read the newest reading", error) }
    }

    /// `PRAGMA quick_check`: `["ok"]` for a sound database, else the problems SQLite found.
    public func quickCheck() throws(StoreError) -> [String] {
        do { return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") } }
        catch { throw StoreError(operation: "check the store", error) }
    }

    /// A consistent copy of the whole store in `path` (`VACUUM INTO`), taken while the pipeline
    /// runs: readers and the writer go on meanwhile. The file must not exist yet.
    public func backup(to path: String) throws(StoreError) {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw .failed(operation: "back up the store", reason: "\(path) exists already; choose a new file")
        }
        do { try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) } }
        catch { throw StoreError(operation: "back up the store to \(path)", error) }
    }
}
