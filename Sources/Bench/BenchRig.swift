import DeviceCatalog
import Domain
import Foundation
import Ingest
import Pipeline
import Settings
import Records
import Services
import Storage
import BrokerProcess

/// A fresh store for one bench phase, of an engine the command chose, and how to drop it.
public typealias ScratchStoreMaker = @Sendable () throws -> (store: any Store, drop: @Sendable () -> Void)

/// One phase's own broker, settings and fresh store with the fleet imported.
struct Rig {
    let broker: LocalBroker
    let work: String
    let settings: Settings
    let store: any Store
    let directory: DeviceDirectory
    /// The fleet in a fixed order, so message i goes to device i mod count.
    let devices: [DeviceRecord]
    private let dropStore: @Sendable () -> Void

    init(catalog: Catalog, clientId: String, qos: Int32, queueQoS0: Bool, maxUncommitted: Int?, scratch: ScratchStoreMaker? = nil,
         backdated: Int = 0) throws {
        broker = try LocalBroker(persistence: false, maxInflight: 1000, queueQoS0: queueQoS0)
        work = NSTemporaryDirectory() + "ew-bench-\(UUID().uuidString)"
        var s = Settings()
        s.broker.endpoint = HostPort(host: "127.0.0.1", port: broker.port)
        s.broker.clientId = clientId
        s.broker.qos = Int(qos)
        s.dataDirectory = work
        s.store.maxUncommitted = maxUncommitted
        settings = s
        if let scratch {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            (store, dropStore) = try scratch()
        } else {
            store = try SQLiteStore(path: s.databasePath)
            dropStore = {}
        }
        try store.importFleet(catalog.fleet, now: wallMillis())
        directory = try store.loadDirectory(types: catalog.types)
        devices = catalog.fleet.devices.sorted { $0.id < $1.id }
        // Old readings spread over the fleet, one a minute per device, 40 days back.
        var batch = CommitBatch()
        let start = wallMillis() - 40 * 86_400_000
        let nums = directory.entries.map(\.num)
        for i in 0..<backdated {
            batch.messages.append(AcceptedMessage(deviceNum: nums[i % nums.count], entryIndex: 0, kind: .telemetry,
                                                  ts: start + Int64(i / nums.count) * 60_000, seq: nil, receivedAt: start,
                                                  values: [], code: nil, data: #"{"speed_mps":1.2,"load_pct":40}"#))
            if batch.messages.count == 10_000 || i == backdated - 1 {
                try store.commit(batch)
                batch.removeAll()
            }
        }
        if backdated > 0 { try store.checkpoint() }
    }

    func close() {
        broker.stop()
        dropStore()
        removeScratch(work)
    }
}

