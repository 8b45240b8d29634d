import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Ingest
import Logging
import MQTT
import Pipeline
import Rules
import Settings
import Storage
import GRDB
import Testing
import Bench

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

typealias TestBroker = LocalBroker

/// A store, settings and registry for one test, using the shipped Devices/ folder.
final class TestEnvironment: @unchecked Sendable {
    let broker: TestBroker
    let directory: String
    var settings: Settings
    let catalog: Catalog
    let store: Store

    init(clientId: String = "equipwatch-test-\(UUID().uuidString.prefix(8))", devicesDirectory: String? = nil) throws {
        broker = try TestBroker()
        directory = NSTemporaryDirectory() + "ew-test-\(UUID().uuidString)"
        settings = Settings()
        settings.broker.endpoint = HostPort(host: "127.0.0.1", port: broker.port)
        settings.broker.clientId = clientId
        settings.broker.reconnectMin = Interval(milliseconds: 50)
        settings.broker.reconnectMax = Interval(milliseconds: 500)
        settings.dataDirectory = directory
        settings.devicesDirectory = devicesDirectory ?? repositoryRoot + "/Devices"
        settings.rulesDirectory = repositoryRoot + "/Rules"
        settings.rules.tick = Interval(milliseconds: 100)
        catalog = try Catalog.load(directory: settings.devicesDirectory)
        store = try Store(path: settings.databasePath)
        try store.importFleet(catalog.fleet, now: wallMillis())
    }

    /// Stops the broker and removes the test's files; call it (defer) at the end of each test.
    func close() {
        broker.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func pipeline() throws -> IngestPipeline {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let directory = try store.loadDirectory(types: catalog.types)
        return try IngestPipeline(options: .init(settings: settings), store: store, directory: directory,
                                  hook: RuleHooks([NormalBandCheck()]), logger: logger)
    }

    /// A pipeline with the rule engine on the rules in `rulesDirectory` (default: the shipped
    /// packs), resuming whatever rule state the store holds, as `equipwatch run` does.
    func rulePipeline(rulesDirectory: String? = nil) throws -> IngestPipeline {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let directory = try store.loadDirectory(types: catalog.types)
        let rules = try RulesSync.load(rulesDirectory: rulesDirectory ?? settings.rulesDirectory, types: catalog.types, store: store)
        let engine = try RulesSync.engine(rules: rules, store: store, directory: directory, settings: settings, now: wallMillis())
        return try IngestPipeline(options: .init(settings: settings), store: store, directory: directory,
                                  hook: RuleHooks([NormalBandCheck(), engine]), logger: logger)
    }

    /// The full pipeline of `equipwatch run`: rules, maintenance planner and risk grading, on
    /// `clock` (tests move it to cross calendar limits in seconds).
    func plannerPipeline(clock: PipelineClock = .system) throws -> IngestPipeline {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let directory = try store.loadDirectory(types: catalog.types)
        let rules = try RulesSync.load(rulesDirectory: settings.rulesDirectory, types: catalog.types, store: store)
        let now = clock.now()
        let engine = try RulesSync.engine(rules: rules, store: store, directory: directory, settings: settings, now: now)
        let planner = try RulesSync.planner(rules: rules, store: store, directory: directory, now: now)
        let risk = try RulesSync.risk(rulesDirectory: settings.rulesDirectory)
        return try IngestPipeline(options: .init(settings: settings), store: store, directory: directory,
                                  hook: RuleHooks([NormalBandCheck(), engine]), planner: planner, risk: risk, logger: logger, clock: clock)
    }

    /// Starts a pipeline and waits until its subscription is in place.
    func startedPipeline(_ make: (() throws -> IngestPipeline)? = nil) throws -> IngestPipeline {
        let p = try make?() ?? pipeline()
        p.start()
        try waitUntil(timeout: 10, "pipeline connected") { p.isConnected }
        Thread.sleep(forTimeInterval: 0.1)  // SUBACK
        return p
    }

    func publisher(_ id: String = "pub-\(UUID().uuidString.prefix(8))", window: Int = 200,
                   onAck: (@Sendable (Int32) -> Void)? = nil) throws -> Publisher {
        let p = try Publisher(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientId: id, cleanSession: true),
                              window: window, onAck: onAck)
        try p.start()
        return p
    }

    /// A device of `type` from the sample fleet (the n-th by id).
    func device(_ type: String, _ n: Int = 0) -> DeviceRecord {
        catalog.fleet.devices.filter { $0.type == type }.sorted { $0.id < $1.id }[n]
    }

    func topic(_ d: DeviceRecord, _ kind: String = "telemetry", gateway: String? = nil) -> String {
        "equipwatch/v1/\(gateway ?? d.gateway)/\(d.id)/\(kind)"
    }

    func int64s(_ query: String) throws -> [Int64] { try store.read { db in try Int64.fetchAll(db, sql: query) } }
    func strings(_ query: String) throws -> [String] { try store.read { db in try String.fetchAll(db, sql: query) } }
    func count(_ query: String) throws -> Int64 { try int64s(query).first ?? 0 }
}

func nowMs() -> Int64 { wallMillis() }

func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.02)
    }
    throw TestFailure("timed out after \(timeout) s waiting for \(what)")
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Telemetry JSON for the sample fleet's types that passes validation.
func telemetry(_ d: DeviceRecord, seq: UInt64?, ts: Int64 = nowMs()) -> String {
    let data: String
    switch d.type {
    case "elevator": data = #"{"speed_mps":1.2,"moving":true,"floor":4,"load_pct":35}"#
    case "boiler": data = #"{"steam_pressure_mpa":0.9,"water_level_mm":5,"flame_on":true}"#
    case "pressure_vessel": data = #"{"pressure_mpa":0.5,"temperature_c":30}"#
    case "gas_cylinder": data = #"{"fill_pressure_mpa":1.9,"fill_mass_kg":14.5,"station":"s1"}"#
    default: data = #"{"hours_run":120.5,"speed_kmh":8,"load_kg":900}"#
    }
    return "{\"ts\":\(ts)," + (seq.map { "\"seq\":\($0)," } ?? "") + "\"data\":" + data + "}"
}

/// Thread-safe set of sequence numbers a publisher saw acknowledged by the broker.
final class AckLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var pendingByMid: [Int32: Int64] = [:]
    private var early: Set<Int32> = []
    private(set) var acked: Set<Int64> = []

    func published(mid: Int32, seq: Int64) {
        lock.withLock {
            if early.remove(mid) != nil { acked.insert(seq) } else { pendingByMid[mid] = seq }
        }
    }

    func ack(_ mid: Int32) {
        lock.withLock {
            if let s = pendingByMid.removeValue(forKey: mid) { acked.insert(s) } else { early.insert(mid) }
        }
    }

    var ackedSeqs: Set<Int64> { lock.withLock { acked } }
}


/// A subscriber that keeps every message it receives on `pattern`, for checking what the
/// pipeline published (alarm feed, notices).
final class FeedRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [(topic: String, payload: String)] = []
    private var connection: MQTTConnection!

    /// `persistent`: a fixed client id with clean session off, so the broker keeps the
    /// subscription and queues messages across a broker restart.
    init(port: Int, pattern: String, persistent: Bool = false) throws {
        var handlers = MQTTHandlers()
        let box = self
        handlers.message = { t, p in
            let topic = String(decoding: t, as: UTF8.self), payload = String(decoding: p, as: UTF8.self)
            box.lock.withLock { box.received.append((topic, payload)) }
        }
        connection = try MQTTConnection(options: MQTTOptions(host: "127.0.0.1", port: port, clientId: "feed-\(UUID().uuidString.prefix(8))",
                                                             cleanSession: !persistent), handlers: handlers)
        try connection.connect()
        try connection.subscribe(pattern, qos: 1)
        try connection.startBackgroundLoop()
        Thread.sleep(forTimeInterval: 0.2)
    }

    var messages: [(topic: String, payload: String)] { lock.withLock { received } }

    /// Decoded JSON objects of the messages received so far.
    var objects: [(topic: String, json: [String: Any])] {
        messages.compactMap { m in
            (try? JSONSerialization.jsonObject(with: Data(m.payload.utf8)) as? [String: Any]).map { (m.topic, $0) }
        }
    }

    func stop() {
        connection.disconnect()
        connection.stopBackgroundLoop()
    }
}

/// Writes rule packs into a fresh folder, for tests that need rules of their own.
func rulesFolder(_ files: [String: String]) throws -> String {
    let dir = NSTemporaryDirectory() + "ew-rules-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
}

/// A copy of the shipped Devices/ folder with some text replaced (e.g. a lower usage threshold).
func devicesFolder(replacing edits: [String: [(String, String)]]) throws -> String {
    let dir = NSTemporaryDirectory() + "ew-devices-\(UUID().uuidString)"
    try FileManager.default.copyItem(atPath: repositoryRoot + "/Devices", toPath: dir)
    for (file, pairs) in edits {
        let path = dir + "/" + file
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (from, to) in pairs {
            guard text.contains(from) else { throw TestFailure("\(file) has no '\(from)'") }
            text = text.replacingOccurrences(of: from, with: to)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    return dir
}

/// A clock a test can move forward while the pipeline runs.
final class MovableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Int64 = 0
    func advance(by ms: Int64) { lock.withLock { offset += ms } }
    var pipelineClock: PipelineClock { PipelineClock { [self] in wallMillis() + lock.withLock { offset } } }
}
