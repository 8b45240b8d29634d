import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Synchronization
import Ingest
import Logging
import MQTT
import Pipeline
import Rules
import Settings
import Records
import Services
import Storage
import GRDB
import BrokerProcess

public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

public typealias TestBroker = LocalBroker

/// A store, settings and registry for one test, using the shipped Devices/ folder, and a broker
/// on a free loopback port that starts the first time a test uses it (a pipeline, a publisher,
/// its port): tests of the store and the API alone start no mosquitto.
public final class TestEnvironment: @unchecked Sendable {
    private let localBroker: TestBroker
    private let brokerStarted = Mutex(false)

    /// The test's broker, started on first use. A broker that cannot start is reported on
    /// standard error; the test then fails waiting for its pipeline or publisher.
    public var broker: TestBroker {
        brokerStarted.withLock { started in
            guard !started else { return }
            do {
                try localBroker.start()
                started = true
            } catch {
                FileHandle.standardError.write(Data("test broker: \(error)\n".utf8))
            }
        }
        return localBroker
    }

    /// Whether the broker runs, without starting it.
    public var brokerIsRunning: Bool { localBroker.isRunning }
    public let directory: String
    public var settings: Settings
    public let catalog: Catalog
    /// The test's store, on the run's engine (`TestEngine.current`).
    public let store: any Store
    /// The store's own handle when the run is on SQLite (tests of SQLite's file, WAL and pragmas).
    public var sqlite: SQLiteStore { store as! SQLiteStore }
    private let testStore: TestStore

    /// `postgresURL`: the store on that database (a test's own cluster) whatever the run's engine.
    public init(clientId: String = "equipwatch-test-\(UUID().uuidString.prefix(8))", devicesDirectory: String? = nil,
                postgresURL: String? = nil) throws {
        localBroker = try TestBroker(start: false)
        directory = NSTemporaryDirectory() + "ew-test-\(UUID().uuidString)"
        settings = Settings()
        settings.broker.endpoint = HostPort(host: "127.0.0.1", port: localBroker.port)
        settings.broker.clientId = clientId
        settings.broker.reconnectMin = Interval(milliseconds: 50)
        settings.broker.reconnectMax = Interval(milliseconds: 500)
        settings.dataDirectory = directory
        settings.devicesDirectory = devicesDirectory ?? repositoryRoot + "/Devices"
        settings.rulesDirectory = repositoryRoot + "/Rules"
        settings.rules.tick = Interval(milliseconds: 100)
        catalog = try Catalog.load(directory: settings.devicesDirectory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        testStore = try postgresURL.map { try TestStore(postgresURL: $0) } ?? TestStore(sqlitePath: settings.databasePath)
        store = testStore.store
        if testStore.engine == .postgres { settings.store.url = testStore.location }
        try store.importFleet(catalog.fleet, now: wallMillis(), sourceHash: nil)
        try Self.registerPeople(store, fleet: catalog.fleet)
    }

    /// The certificates `registerPeople` gives each firm's fillers, for the simulator.
    public var fillerCertificates: [String: String] {
        Dictionary(uniqueKeysWithValues: catalog.fleet.firms.map { ($0.id, "P-\($0.id)") })
    }

    /// Every firm's workers hold a T and a P certificate (`T-{firm}`, `P-{firm}`) and every owner's
    /// elevators, escalators and cylinders are insured, for the whole century: tests of other
    /// things record maintenance and fills as a certified, insured fleet does. Tests of the
    /// certificate and insurance rules write their own.
    public static func registerPeople(_ store: any Store, fleet: Fleet) throws {
        let from = Day(year: 2000, month: 1, day: 1)!, to = Day(year: 2099, month: 12, day: 31)!
        _ = try store.saveCertificates(fleet.firms.flatMap { f in
            [CertificateItem.t, .p].map { item in
                Certificate(number: "\(item.rawValue)-\(f.id)", holder: "Worker of \(f.id)", item: item, issued: from, validUntil: to,
                            authority: "Test", employer: .firm(f.id))
            }
        }, by: "test", at: wallMillis())
        _ = try store.savePolicies(fleet.owners.map { o in
            InsurancePolicy(number: "cover-\(o.id)", insurer: "Test", owner: o.id, device: nil, types: ["elevator", "escalator", "gas_cylinder"],
                            coverCny: 1_000_000, validFrom: from, validTo: to)
        }, by: "test", at: wallMillis())
    }

    /// The options that point a command at this test's store: its data folder, and on
    /// PostgreSQL its database.
    public var storeArguments: [String] {
        ["--data", directory] + (testStore.engine == .postgres ? ["--store", testStore.location] : [])
    }

    /// Stops the broker and removes the test's files; call it (defer) at the end of each test.
    public func close() {
        localBroker.stop()
        testStore.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func pipeline() throws -> IngestPipeline {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        _ = broker
        let directory = try store.loadDirectory(types: catalog.types)
        return try IngestPipeline(options: .init(settings: settings), store: store, directory: directory,
                                  hook: RuleHooks([NormalBandCheck()]), logger: logger)
    }

    /// A pipeline with the rule engine on the rules in `rulesDirectory` (default: the shipped
    /// packs), resuming whatever rule state the store holds, as `equipwatch run` does.
    /// `transport`: where messages come from (nil: the test's broker, started now).
    public func rulePipeline(rulesDirectory: String? = nil, transport: TransportMaker? = nil) throws -> IngestPipeline {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        if transport == nil { _ = broker }
        let directory = try store.loadDirectory(types: catalog.types)
        let rules = try RulesSync.load(rulesDirectory: rulesDirectory ?? settings.rulesDirectory, types: catalog.types, store: store)
        let engine = try RulesSync.engine(rules: rules, store: store, directory: directory, settings: settings, now: wallMillis())
        return try IngestPipeline(options: .init(settings: settings), store: store, directory: directory,
                                  hook: RuleHooks([NormalBandCheck(), engine]), logger: logger, transport: transport)
    }

    /// The full pipeline of `equipwatch run`: rules, maintenance planner and risk grading, on
    /// `clock` (tests move it to cross calendar limits in seconds).
    public func plannerPipeline(clock: PipelineClock = .system) throws -> IngestPipeline {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        _ = broker
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
    public func startedPipeline(_ make: (() throws -> IngestPipeline)? = nil) throws -> IngestPipeline {
        _ = broker
        let p = try make?() ?? pipeline()
        p.start()
        do {
            try waitUntil(timeout: 10, "pipeline subscribed (SUBACK)") { p.isSubscribed }
        } catch {
            p.stop()  // not left reconnecting to a broker the test is about to stop
            throw error
        }
        return p
    }

    public func publisher(_ id: String = "pub-\(UUID().uuidString.prefix(8))", window: Int = 200,
                   onAck: (@Sendable (Int32) -> Void)? = nil) throws -> Publisher {
        let p = try Publisher(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientId: id, cleanSession: true),
                              window: window, onAck: onAck)
        try p.start()
        return p
    }

    /// A device of `type` from the sample fleet (the n-th by id).
    public func device(_ type: String, _ n: Int = 0) -> DeviceRecord {
        catalog.fleet.devices.filter { $0.type == type }.sorted { $0.id < $1.id }[n]
    }

    public func topic(_ d: DeviceRecord, _ kind: String = "telemetry", gateway: String? = nil) -> String {
        "equipwatch/v1/\(gateway ?? d.gateway)/\(d.id)/\(kind)"
    }

    public func int64s(_ query: String) throws -> [Int64] { try store.sqlInts(query) }
    public func strings(_ query: String) throws -> [String] { try store.sqlTexts(query) }
    public func count(_ query: String) throws -> Int64 { try int64s(query).first ?? 0 }
}

public func nowMs() -> Int64 { wallMillis() }

/// The built `equipwatch` binary, for tests that run it as a process of its own (signals, kills).
public func equipwatchBinary() throws -> String {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    for candidate in [ProcessInfo.processInfo.environment["EQUIPWATCH_BIN"], here + "/equipwatch", repositoryRoot + "/.build/debug/equipwatch"] {
        if let c = candidate, FileManager.default.isExecutableFile(atPath: c) { return c }
    }
    throw TestFailure("equipwatch binary not found: run `swift build` first or set EQUIPWATCH_BIN")
}

/// The condition is looked at once more when the time is up: a waiter that was not scheduled for
/// a while (a loaded machine, a busy cooperative pool) judges what happened, not its own delay.
public func waitUntil(timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
    let end = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return }
        if Date() >= end { break }
        Thread.sleep(forTimeInterval: 0.02)
    }
    throw TestFailure("timed out after \(timeout) s waiting for \(what)")
}

/// `waitUntil` for async tests: polls without blocking a thread of the cooperative pool.
public func waitUntilAsync(timeout: Double, _ what: String, _ condition: () throws -> Bool) async throws {
    let end = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return }
        if Date() >= end { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure("timed out after \(timeout) s waiting for \(what)")
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Telemetry JSON for the sample fleet's types that passes validation.
public func telemetry(_ d: DeviceRecord, seq: UInt64?, ts: Int64 = nowMs()) -> String {
    let data: String
    switch d.type {
    case "elevator": data = #"{"speed_mps":1.2,"moving":true,"floor":4,"load_pct":35}"#
    case "escalator": data = #"{"running":true,"direction":"up","commanded_direction":"up","step_speed_mps":0.5,"handrail_speed_mps":0.505}"#
    case "boiler": data = #"{"steam_pressure_mpa":0.9,"water_level_mm":5,"flame_on":true}"#
    case "pressure_vessel": data = #"{"pressure_mpa":0.5,"temperature_c":30}"#
    case "gas_cylinder": data = #"{"fill_pressure_mpa":1.9,"net_kg":14.5,"operator":"s1"}"#
    default: data = #"{"hours_run":120.5,"speed_kmh":8,"load_kg":900}"#
    }
    return "{\"ts\":\(ts)," + (seq.map { "\"seq\":\($0)," } ?? "") + "\"data\":" + data + "}"
}

/// Thread-safe set of sequence numbers a publisher saw acknowledged by the broker.
public final class AckLedger: Sendable {
    private struct State {
        var pendingByMid: [Int32: Int64] = [:]
        var early: Set<Int32> = []
        var acked: Set<Int64> = []
    }
    private let state = Mutex(State())

    public init() {}

    public func published(mid: Int32, seq: Int64) {
        state.withLock { s in
            if s.early.remove(mid) != nil { s.acked.insert(seq) } else { s.pendingByMid[mid] = seq }
        }
    }

    public func ack(_ mid: Int32) {
        state.withLock { s in
            if let seq = s.pendingByMid.removeValue(forKey: mid) { s.acked.insert(seq) } else { s.early.insert(mid) }
        }
    }

    public var ackedSeqs: Set<Int64> { state.withLock { $0.acked } }
}

/// A subscriber that keeps every message it receives on `pattern`, for checking what the
/// pipeline published (alarm feed, notices).
public final class FeedRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [(topic: String, payload: String)] = []
    private var connection: MQTTConnection!
    private let subscribed = Flag()

    /// `persistent`: a fixed client id with clean session off, so the broker keeps the
    /// subscription and queues messages across a broker restart.
    public init(port: Int, pattern: String, persistent: Bool = false) throws {
        var handlers = MQTTHandlers()
        let box = self
        handlers.message = { t, p in
            let topic = String(decoding: t, as: UTF8.self), payload = String(decoding: p, as: UTF8.self)
            box.lock.withLock { box.received.append((topic, payload)) }
        }
        let subscribed = subscribed
        handlers.subscribed = { _, _ in subscribed.set(true) }
        connection = try MQTTConnection(options: MQTTOptions(host: "127.0.0.1", port: port, clientId: "feed-\(UUID().uuidString.prefix(8))",
                                                             cleanSession: !persistent), handlers: handlers)
        try connection.connect()
        try connection.subscribe(pattern, qos: 1)
        try connection.startBackgroundLoop()
        try waitUntil(timeout: 10, "feed subscription acknowledged (SUBACK)") { subscribed.value }
    }

    public var messages: [(topic: String, payload: String)] { lock.withLock { received } }

    /// Decoded JSON objects of the messages received so far.
    public var objects: [(topic: String, json: [String: Any])] {
        messages.compactMap { m in
            (try? JSONSerialization.jsonObject(with: Data(m.payload.utf8)) as? [String: Any]).map { (m.topic, $0) }
        }
    }

    public func stop() {
        connection.disconnect()
        connection.stopBackgroundLoop()
    }
}

/// Writes rule packs into a fresh folder, for tests that need rules of their own.
public func rulesFolder(_ files: [String: String]) throws -> String {
    let dir = NSTemporaryDirectory() + "ew-rules-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
}

/// A copy of the shipped Devices/ folder with some text replaced (e.g. a lower usage threshold).
public func devicesFolder(replacing edits: [String: [(String, String)]]) throws -> String {
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
public final class MovableClock: Sendable {
    private let offset = Mutex<Int64>(0)
    public init() {}
    public func advance(by ms: Int64) { offset.withLock { $0 += ms } }
    public var pipelineClock: PipelineClock { PipelineClock { [self] in wallMillis() + offset.withLock { $0 } } }
}
