import GRDB
import BrokerProcess
import ArgumentParser
import Commands
import DeviceCatalog
import Domain
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import MQTT
import Pipeline
import Simulation
import Records
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// The API beside a running pipeline: a real broker, the full pipeline of `equipwatch run`
/// (rules, planner, risk) and the server on one store, as in production.
final class LiveFixture: Sendable {
    let env: TestEnvironment
    let pipeline: IngestPipeline
    let server: APIServer
    /// Tokens by key: "supervisor" and each firm's id.
    let tokens: [String: String]

    init() throws {
        _ = APIMetrics.registry
        let env = try TestEnvironment()
        self.env = env
        var made: [String: String] = [:]
        func token(_ key: String, _ role: Role) throws {
            let secret = "ew_live_\(key)_\(UUID().uuidString)"
            _ = try env.store.createToken(name: key, role: role, hash: SHA256.hex(secret.utf8), expiresAt: nil, now: wallMillis())
            made[key] = secret
        }
        try token("supervisor", .supervisor)
        for firm in env.catalog.fleet.firms { try token(firm.id, .firm(firm.id)) }
        tokens = made
        pipeline = try env.startedPipeline { try env.plannerPipeline() }
        let types = env.catalog.types
        server = APIServer(store: env.store, types: { types }, topics: Topics(),
                           health: { APIServer.Health(brokerDownSince: nil, queueDepth: 0, lastCommitAt: nil, storeFailure: nil) },
                           keepaliveMs: 300, logger: Logger(label: "api-live-test"))
    }

    deinit {
        _ = pipeline.stop()
        env.close()
    }

    func run(_ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        let app = server.application(host: "127.0.0.1", port: 0)
        let feed = server.feed
        // The server and its client on threads of their own (OwnExecutor: the cooperative pool is
        // shared with the synchronous tests beside this one).
        try await onOwnExecutor { try await app.test(.live) { client in
            defer { feed.close() }
            try await body(APIClient(client: client, tokens: tokens))
        } }
    }

    func num(_ device: String) throws -> Int64 {
        try env.store.num(device)
    }

    /// Commits a notice for `device` the way the planner does, so it reaches the stream: a
    /// marker that orders after everything written before it.
    func markNotice(_ device: DeviceRecord, key: String) throws {
        var batch = CommitBatch()
        batch.notices = [NoticeDraft(key: key, deviceNum: try num(device.id), device: device.id, type: device.type, firm: device.firm,
                                     kind: .maintenanceDue, trigger: "calendar", reason: Prose(.maintenanceCalendar, en: "marker \(key)", zh: "marker \(key)"), dueBy: nil,
                                     createdAt: wallMillis(), staleAfterRecord: nil, detail: "{}")]
        batch.noticeMessage = { id, n in OutboxMessage(topic: "equipwatch/v1/notices/\(n.firm)", payload: #"{"id":\#(id),"device":"\#(n.device)","reason":"\#(n.reason)"}"#) }
        try env.store.commit(batch)
    }

    /// Runs `equipwatch ARGS` in-process on the fixture's data folder; returns what it printed.
    func cli(_ arguments: [String]) throws -> String {
        let captured = Mutex("")
        try Console.$write.withValue({ text in captured.withLock { $0 += text } }) {
            var command = try EquipWatch.parseAsRoot(arguments + env.storeArguments)
            try command.run()
        }
        return captured.withLock { $0 }
    }
}

@Suite("HTTP API beside a running pipeline (real broker, real pipeline, real SQLite)", .serialized)
struct LiveAPITests {
    @Test("paging readings by 7 walks the same rows as one page of 1000 while ingest keeps adding rows")
    func pagingWhileIngesting() async throws {
        let f = try LiveFixture()
        let d = f.env.device("elevator", 3)
        let pub = try f.env.publisher()
        defer { pub.stop() }
        let sent = Atomic<Int>(0)
        @Sendable func publish(_ n: Int) throws {
            for _ in 0..<n {
                let seq = UInt64(sent.wrappingAdd(1, ordering: .relaxed).newValue)
                try pub.publish(topic: f.env.topic(d), payload: Array(telemetry(d, seq: seq).utf8), qos: 1)
            }
        }
        @Sendable func stored() throws -> Int64 { try f.env.count("SELECT COUNT(*) FROM readings_flat WHERE device_num = \(try f.num(d.id))") }
        try publish(60)
        try await waitUntilAsync(timeout: 30, "60 readings stored") { try stored() >= 60 }
        try await f.run { api in
            var walked: [Int] = []
            var uri = "/v1/devices/\(d.id)/readings?limit=7"
            while true {
                let page = try await api.get(uri)
                #expect(page.status == .ok)
                walked += page.items.compactMap { $0["id"] as? Int }
                guard let next = page.nextCursor else { break }
                // Ingest adds newer rows between every two pages.
                let before = try stored()
                try publish(3)
                try await waitUntilAsync(timeout: 30, "new readings committed between pages") { try stored() > before }
                uri = "/v1/devices/\(d.id)/readings?limit=7&cursor=\(next)"
            }
            let whole = try await api.get("/v1/devices/\(d.id)/readings?limit=1000").items.compactMap { $0["id"] as? Int }
            #expect(walked.count >= 60)
            #expect(Set(walked).count == walked.count, "a row came twice")
            // Everything from the walk's first row on, newest first, is exactly what the walk saw;
            // the rows above it arrived during the walk.
            let first = try #require(walked.first)
            let fromFirst = Array(whole.drop { $0 != first })
            #expect(fromFirst == walked)
            #expect(whole.count - fromFirst.count >= 3 * (walked.count / 7 - 1))
            // The same rows as CSV, in the same order.
            let csv = try await api.get("/v1/devices/\(d.id)/readings?limit=1000&format=csv")
            let csvIds = csv.text.split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: ",")[0]) }
            #expect(Array(csvIds.drop { $0 != first }) == walked)
        }
    }

    @Test("a simulator-injected trapped fault reaches its firm's stream, no other firm's, and 200 concurrent streams")
    func faultOnTheRightStream() async throws {
        let f = try LiveFixture()
        var options = Simulator.Options()
        options.port = f.env.broker.port
        options.rate = 500
        options.duration = 3
        options.faults = [(.trapped, 1)]
        options.fillerCertificates = f.env.fillerCertificates
        let simulator = Simulator(fleet: f.env.catalog.fleet, options: options, logger: Logger(label: "sim"))
        let trappedId = try #require(simulator.summary.faulted["trapped"]?.first)
        let trapped = try #require(f.env.catalog.fleet.devices.first { $0.id == trappedId })
        let others = f.env.catalog.fleet.firms.map(\.id).filter { $0 != trapped.firm }
        try await f.run { api in
            let port = try #require(api.client.port)
            func open(_ key: String) async throws -> SSEReader {
                let r = try SSEReader(port: port, path: "/v1/stream", token: try #require(f.tokens[key]))
                _ = await r.connected()
                return r
            }
            let own = try await open(trapped.firm)
            var foreign: [String: SSEReader] = [:]
            for firm in others { foreign[firm] = try await open(firm) }
            var crowd: [SSEReader] = []
            for _ in 0..<200 { crowd.append(try await open("supervisor")) }

            try simulator.run(stop: Flag())
            func isTrappedAlarm(_ e: (id: Int64, kind: String, data: String)) -> Bool {
                e.kind == "alarm" && e.data.contains("\"device\":\"\(trapped.id)\"") && e.data.contains("elevator.trapped")
            }
            var ownEvent: (id: Int64, kind: String, data: String)?
            while let e = await own.nextEvent() { if isTrappedAlarm(e) { ownEvent = e; break } }
            let raised = try #require(ownEvent, "the firm's stream never carried the trapped alarm")
            #expect(raised.data.contains("\"transition\":\"raised\""))

            // Each other firm: a marker notice for one of its devices comes after the alarm in
            // the store's order; everything its stream carries up to the marker is its own.
            for firm in others {
                let device = try #require(f.env.catalog.fleet.devices.first { $0.firm == firm })
                try f.markNotice(device, key: "marker-\(firm)")
                let reader = try #require(foreign[firm])
                var sawMarker = false
                while let e = await reader.nextEvent() {
                    #expect(!e.data.contains(trapped.id), "\(firm) saw \(trapped.firm)'s device: \(e.data)")
                    if e.kind == "notice" && e.data.contains("marker marker-\(firm)") { sawMarker = true; break }
                }
                #expect(sawMarker, "\(firm)'s stream ended before its marker")
            }
            // Two hundred supervisors' streams all carry it, with the same id.
            var delivered = 0
            for reader in crowd {
                while let e = await reader.nextEvent() { if isTrappedAlarm(e) { #expect(e.id == raised.id); delivered += 1; break } }
            }
            #expect(delivered == 200)
        }
        // Ingest kept up meanwhile: everything the simulator published was taken in.
        try await waitUntilAsync(timeout: 15, "the simulator's messages accounted for") {
            try f.env.count("SELECT SUM(messages) FROM device_state") + f.env.count("SELECT COUNT(*) FROM dead_letters")
                >= Int64(simulator.summary.published - simulator.summary.duplicates)
        }
    }

    @Test("an alarm acknowledged and maintenance reported through the API show in the CLI and on the MQTT feeds")
    func apiActionsReachCLIAndFeeds() async throws {
        let f = try LiveFixture()
        let alarms = try FeedRecorder(port: f.env.broker.port, pattern: "equipwatch/v1/alarms/#")
        defer { alarms.stop() }
        let results = try FeedRecorder(port: f.env.broker.port, pattern: "equipwatch/v1/maintenance-results/+")
        defer { results.stop() }
        let d = f.env.device("elevator", 5)
        let pub = try f.env.publisher()
        defer { pub.stop() }
        try pub.publish(topic: f.env.topic(d, "event"), payload: Array(#"{"ts":\#(nowMs()),"code":"trapped"}"#.utf8), qos: 1)
        try await waitUntilAsync(timeout: 30, "the trapped alarm on the feed") {
            alarms.objects.contains { $0.json["device"] as? String == d.id && $0.json["transition"] as? String == "raised" }
        }
        let firm = d.firm
        try await f.run { api in
            let listed = try await api.get("/v1/alarms?device=\(d.id)", as: firm)
            let id = try #require(listed.items.first { $0["rule"] as? String == "elevator.trapped" }?["id"] as? Int)
            let ack = try await api.send("/v1/alarms/\(id)/ack", .post, as: firm, body: #"{"by":"dispatcher-li"}"#)
            #expect(ack.status == .ok)
            let report = try await api.send("/v1/maintenance", .post, as: firm, body: #"{"device":"\#(d.id)","items":["rescue","door lock check"],"worker_cert":"T-\#(firm)"}"#)
            #expect(report.status == .created)
            let record = try #require((report.json as? [String: Any])?["record"] as? Int)

            // On the feeds: the acknowledgement on the alarm feed, the record on the firm's results.
            try await waitUntilAsync(timeout: 30, "the acknowledgement on the alarm feed") {
                alarms.objects.contains { $0.json["id"] as? Int == id && $0.json["transition"] as? String == "acknowledged" }
            }
            let acked = try #require(alarms.objects.first { $0.json["transition"] as? String == "acknowledged" })
            #expect(acked.topic == "equipwatch/v1/alarms/elevator")
            #expect(acked.json["acked_by"] as? String == "dispatcher-li")
            try await waitUntilAsync(timeout: 30, "the record on maintenance-results") { !results.messages.isEmpty }
            let answer = try #require(results.objects.first)
            #expect(answer.topic == "equipwatch/v1/maintenance-results/\(firm)")
            #expect(answer.json["result"] as? String == "accepted" && answer.json["record"] as? Int == record)
            #expect(answer.json["source"] as? String == "api" && answer.json["items"] as? [String] == ["rescue", "door lock check"])

            // In the CLI, read from the same store.
            let cliAlarms = try f.cli(["alarms", "--device", d.id, "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(cliAlarms.utf8)) as? [[String: Any]])
            #expect(rows.first { $0["id"] as? Int == id }?["acked_by"] as? String == "dispatcher-li")
            let history = try f.cli(["maintenance", "history", "--device", d.id, "--json"])
            let records = try #require(try JSONSerialization.jsonObject(with: Data(history.utf8)) as? [[String: Any]])
            #expect(records.map { $0["id"] as? Int } == [record])
            #expect(records.first?["source"] as? String == "api")
        }
    }
}
