import BrokerProcess
import Cluster
import DeviceCatalog
import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MQTT
import Records
import Settings
import Synchronization
import Testing
import TestSupport

/// Three `equipwatch run` nodes on one PostgreSQL database and one broker, as processes: one is
/// killed (`kill -9`) under load, or all are restarted one after another with SIGTERM. What the
/// publishers got a PUBACK for is stored, or inside a `seq_gap` no larger than `max_uncommitted`;
/// nothing is stored twice; a trapped passenger on a dead node's partition is alarmed after the
/// takeover.
@Suite("cluster: three nodes on one PostgreSQL and one broker", .needsPostgres, .serialized)
struct ClusterFailoverTests {
    static let leaseTimeoutMs: Int64 = 4000
    static let bound = 300

    /// The nodes, the shared store and broker.
    final class Rig: @unchecked Sendable {
        let env: TestEnvironment
        let config: String
        let cluster: any ClusterStore
        private let pids = Mutex<[String: pid_t]>([:])
        /// Each node's HTTP port.
        let ports = Mutex<[String: Int]>([:])

        /// `postgresURL`: the database (default: a fresh one on the tests' server).
        init(postgresURL: String? = nil) throws {
            env = try TestEnvironment(postgresURL: try postgresURL ?? TestPostgres.freshDatabase().url)
            cluster = try #require(env.store as? any ClusterStore)
            config = env.directory + "/equipwatch.yaml"
            try """
                store:
                  max_uncommitted: \(ClusterFailoverTests.bound)
                cluster:
                  partitions: 8
                  lease_timeout: \(ClusterFailoverTests.leaseTimeoutMs)ms
                  heartbeat: 1s
                  name: ew-\(UUID().uuidString.prefix(6).lowercased())
                """.write(toFile: config, atomically: true, encoding: .utf8)
            _ = env.broker
        }

        func start(_ node: String) throws {
            let data = env.directory + "/" + node
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let port = try ports.withLock { p in try p[node] ?? freePort() }
            ports.withLock { $0[node] = port }
            let pid = try spawn(try equipwatchBinary(), [
                "run", "--node", node, "--config", config, "--broker", "127.0.0.1:\(env.broker.port)", "--store", env.settings.store.url!,
                "--data", data, "--devices", env.settings.devicesDirectory, "--http", "127.0.0.1:\(port)",
            ], stdout: data + "/run.log")
            pids.withLock { $0[node] = pid }
        }

        /// Sends `signal` and waits for the exit; answers the exit status.
        @discardableResult
        func stop(_ node: String, signal: Int32 = SIGTERM) -> Int32 {
            guard let pid = pids.withLock({ $0.removeValue(forKey: node) }) else { return -1 }
            kill(pid, signal)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            return status
        }

        func view() throws -> ClusterView { try #require(try cluster.clusterView()) }

        /// Every partition held by a live node of `nodes`, each node with its share.
        func waitBalanced(_ nodes: [String], timeout: Double = 40) throws {
            let shares = ClusterBalance.shares(partitions: 8, nodes: nodes)
            try waitUntil(timeout: timeout, "partitions spread over \(nodes)") {
                guard let v = try? cluster.clusterView() else { return false }
                return nodes.allSatisfy { v.partitions(of: $0).count == shares[$0] } && v.leader.map(nodes.contains) == true
            }
        }

        /// Starts `nodes`, waits for them to share the partitions, then starts a load and waits for
        /// its first 500 readings stored.
        func startUnderLoad(_ nodes: [String], perSecond: Double = 300, except: String = "") throws -> FleetLoad {
            for n in nodes { try start(n) }
            try waitBalanced(nodes)
            let load = try FleetLoad(env: env, devices: ClusterFailoverTests.loadDevices(env, except: except), perSecond: perSecond)
            try waitForReadings(500, "the load stored")
            return load
        }

        /// Waits until `more` readings beyond those stored now are stored.
        func waitForReadings(_ more: Int64, _ what: String, timeout: Double = 20) throws {
            let stored = try env.count("SELECT COUNT(*) FROM readings_flat")
            try waitUntil(timeout: timeout, what) { try env.count("SELECT COUNT(*) FROM readings_flat") >= stored + more }
        }

        func close() {
            for node in pids.withLock({ Array($0.keys) }) { stop(node, signal: SIGKILL) }
            env.close()
        }
    }

    /// Telemetry for several devices at QoS 1, each with its own sequence, recording what the
    /// broker acknowledged.
    final class FleetLoad: @unchecked Sendable {
        let devices: [DeviceRecord]
        let ledger = AckLedger()
        private let stopFlag = Flag()
        private let done = DispatchSemaphore(value: 0)
        private let publisher: Publisher

        init(env: TestEnvironment, devices: [DeviceRecord], perSecond: Double) throws {
            self.devices = devices
            let ledger = ledger
            publisher = try env.publisher(window: 500, onAck: { mid in ledger.ack(mid) })
            let topics = devices.map { env.topic($0) }
            Thread { [self] in
                let start = Date()
                var sent = 0
                while !stopFlag.value {
                    let due = Int(Date().timeIntervalSince(start) * perSecond)
                    if sent >= due { Thread.sleep(forTimeInterval: 0.002); continue }
                    let i = sent % devices.count, seq = sent / devices.count + 1
                    do {
                        let mid = try publisher.publish(topic: topics[i], payload: Array(telemetry(devices[i], seq: UInt64(seq)).utf8), qos: 1)
                        ledger.published(mid: mid, seq: Int64(i * 1_000_000 + seq))
                        sent += 1
                    } catch {
                        Thread.sleep(forTimeInterval: 0.01)
                    }
                }
                done.signal()
            }.start()
        }

        func finish() {
            stopFlag.set(true)
            done.wait()
            _ = publisher.flush(timeout: 20)
            publisher.stop()
        }

        /// Acknowledged sequence numbers of device `i`.
        func acked(_ i: Int) -> Set<Int64> {
            Set(ledger.ackedSeqs.filter { $0 / 1_000_000 == Int64(i) }.map { $0 % 1_000_000 })
        }
    }

    /// One telemetry device per gateway (not cylinders: their fills have rules of their own).
    static func loadDevices(_ env: TestEnvironment, except: String) -> [DeviceRecord] {
        var seen: Set<String> = []
        return env.catalog.fleet.devices.sorted { $0.id < $1.id }.filter { d in
            d.type != "gas_cylinder" && d.id != except && seen.insert(d.gateway).inserted
        }
    }

    /// Every acknowledged message is stored or inside a sequence gap of its device; answers how many
    /// were lost (in gaps). Nothing stored twice.
    static func checkNothingLost(_ rig: Rig, _ load: FleetLoad) throws -> Int {
        let env = rig.env
        var lost = 0
        for (i, d) in load.devices.enumerated() {
            let acked = load.acked(i)
            guard let last = acked.max() else { continue }
            let num = try env.count("SELECT num FROM devices WHERE id = '\(d.id)'")
            var missing = Set<Int64>()
            try waitUntil(timeout: 30, "\(d.id): the last acknowledged message stored") {
                let stored = Set(try env.int64s("SELECT seq FROM readings_flat WHERE device_num = \(num) AND seq IS NOT NULL"))
                missing = acked.subtracting(stored)
                return stored.contains(last)
            }
            // The cluster's store is PostgreSQL whatever engine the rest of the run tests.
            let from = "((data::jsonb)->>'missing_from')::bigint", to = "((data::jsonb)->>'missing_to')::bigint"
            let gaps = try env.int64s("SELECT \(from) FROM events WHERE device_num = \(num) AND code = 'seq_gap' ORDER BY 1")
            let ends = try env.int64s("SELECT \(to) FROM events WHERE device_num = \(num) AND code = 'seq_gap' ORDER BY \(from)")
            let ranges = zip(gaps, ends).map { $0...$1 }
            let unexplained = missing.filter { s in !ranges.contains { $0.contains(s) } }
            #expect(unexplained.isEmpty, "\(d.id): acknowledged, not stored and in no seq_gap: \(unexplained.sorted().prefix(10))")
            lost += missing.count
        }
        let twice = try env.count("SELECT COUNT(*) FROM (SELECT device_num, seq FROM readings_flat WHERE seq IS NOT NULL GROUP BY 1, 2 HAVING COUNT(*) > 1) x")
        #expect(twice == 0, "\(twice) readings stored twice")
        return lost
    }

    @Test("kill -9 of a node under load: its partitions consume again within the lease timeout, a trapped passenger there is alarmed once")
    func killOneNode() throws {
        let rig = try Rig()
        defer { rig.close() }
        let env = rig.env
        let trapped = env.device("elevator", 1)
        let load = try rig.startUnderLoad(["n1", "n2", "n3"], perSecond: 400, except: trapped.id)
        let partition = Partitioning.partition(ofGateway: trapped.gateway, count: 8)
        let victim = try #require(try rig.view().leases.first { $0.lease == .partition(partition) }?.node)

        let killedAt = Date()
        rig.stop(victim, signal: SIGKILL)
        let pub = try env.publisher()
        defer { pub.stop() }
        try pub.publish(topic: env.topic(trapped, "event"), payload: Array(#"{"ts":\#(nowMs()),"seq":1,"code":"trapped"}"#.utf8), qos: 1)
        #expect(pub.flush(timeout: 10))
        let num = try env.count("SELECT num FROM devices WHERE id = '\(trapped.id)'")
        try waitUntil(timeout: 30, "the trapped alarm after the takeover") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE device_num = \(num) AND family = 'elevator.trapped'") == 1
        }
        let takeover = Date().timeIntervalSince(killedAt)
        print("cluster: kill -9 of \(victim) to the trapped alarm on its partition \(partition): \(String(format: "%.1f", takeover)) s")
        #expect(takeover <= 15, "the dead node's partitions consumed again after \(takeover) s")
        try waitUntil(timeout: 20, "the rescue notice") {
            try env.count("SELECT COUNT(*) FROM notices WHERE device_num = \(num) AND kind = 'rescue'") == 1
        }
        let survivors = ["n1", "n2", "n3"].filter { $0 != victim }
        try rig.waitBalanced(survivors)
        // The load goes on through the new owners before it stops.
        try rig.waitForReadings(200, "readings stored after the takeover")
        load.finish()
        let lost = try Self.checkNothingLost(rig, load)
        print("cluster: kill -9 under \(load.ledger.ackedSeqs.count) acknowledged messages: \(lost) lost inside seq_gaps (bound \(Self.bound))")
        #expect(lost <= Self.bound)
        #expect(try env.count("SELECT COUNT(*) FROM alarms WHERE device_num = \(num) AND family = 'elevator.trapped'") == 1)
        #expect(try env.count("SELECT COUNT(*) FROM notices WHERE device_num = \(num) AND kind = 'rescue'") == 1)
        #expect(try env.count("SELECT COUNT(*) FROM rescues") == 1)
    }

    @Test("rolling restart of three nodes with SIGTERM under load: nothing lost, nothing stored twice, no gap")
    func rollingRestart() throws {
        let rig = try Rig()
        defer { rig.close() }
        let env = rig.env
        let nodes = ["n1", "n2", "n3"]
        let load = try rig.startUnderLoad(nodes)
        for n in nodes {
            let status = rig.stop(n)
            #expect((status & 0x7f) == 0 && (status >> 8) & 0xff == 0, "\(n) exited with status \(status)")
            try rig.waitBalanced(nodes.filter { $0 != n })
            try rig.start(n)
            try rig.waitBalanced(nodes)
        }
        load.finish()
        let lost = try Self.checkNothingLost(rig, load)
        #expect(lost == 0, "\(lost) acknowledged messages lost in a rolling restart")
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE code = 'seq_gap'") == 0)
    }

    @Test("PostgreSQL stopped for 20 s under load: the nodes hold, resume, lose nothing acknowledged; no lease changes hands")
    func databaseOutage() throws {
        let database = try TestPostgresCluster()
        defer { database.stop() }
        let rig = try Rig(postgresURL: try database.database())
        defer { rig.close() }
        let load = try rig.startUnderLoad(["n1", "n2", "n3"])
        let before = try rig.view().leases.map { ($0.lease, $0.node, $0.epoch) }

        try database.pause()
        // The outage itself: five lease timeouts without a database.
        Thread.sleep(forTimeInterval: 20)
        try database.resume()

        try rig.waitForReadings(1000, "ingest going on after the outage", timeout: 40)
        load.finish()
        let after = try rig.view().leases.map { ($0.lease, $0.node, $0.epoch) }
        #expect(after.elementsEqual(before, by: { $0 == $1 }), "leases changed hands over the outage: \(before) → \(after)")
        let lost = try Self.checkNothingLost(rig, load)
        #expect(lost == 0, "\(lost) acknowledged messages lost over a database outage")
    }

    @Test("a fourth node joins under load and takes its share; nothing lost; every node's API answers the same")
    func fourthNodeJoins() async throws {
        let rig = try Rig()
        defer { rig.close() }
        let env = rig.env
        let load = try rig.startUnderLoad(["n1", "n2", "n3"])
        try rig.start("n4")
        try rig.waitBalanced(["n1", "n2", "n3", "n4"])
        try rig.waitForReadings(300, "readings stored after the join")
        load.finish()
        let lost = try Self.checkNothingLost(rig, load)
        #expect(lost == 0, "\(lost) acknowledged messages lost when a node joined")

        let token = "ew_cluster_\(UUID().uuidString)"
        _ = try env.store.createToken(name: "supervisor", role: .supervisor, hash: SHA256.hex(token.utf8), expiresAt: nil, now: nowMs())
        let device = load.devices[0]
        var answers: [String: String] = [:]
        for (node, port) in rig.ports.withLock({ $0 }) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/devices/\(device.id)/readings?limit=50")!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (body, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(node)")
            answers[node] = String(decoding: body, as: UTF8.self)
            let (health, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
            let json = try #require(try JSONSerialization.jsonObject(with: health) as? [String: Any])
            #expect(json["node"] as? String == node)
            #expect((json["partitions"] as? [Int])?.count == 2, "\(node): \(json)")
            let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            let consumed = String(decoding: metrics, as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("equipwatch_cluster_partition_consumed{") && $0.split(separator: " ").last.flatMap { Double($0) } == 1 }
            #expect(consumed.count == 2, "\(node) reports consuming \(consumed)")
        }
        // `cluster status --json`: the four nodes, their partitions, each partition's last contact.
        let out = env.directory + "/status.json"
        let pid = try spawn(try equipwatchBinary(), ["cluster", "status", "--json", "--store", env.settings.store.url!], stdout: out)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let cluster = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        #expect(cluster["partitions"] as? Int == 8)
        #expect((cluster["leader"] as? String).map { ["n1", "n2", "n3", "n4"].contains($0) } == true)
        let listed = try #require(cluster["nodes"] as? [[String: Any]])
        #expect(listed.map { ($0["partitions"] as? [Int])?.count ?? 0 } == [2, 2, 2, 2], "\(listed)")
        #expect(listed.allSatisfy { $0["last_heartbeat"] is String })
        let leases = try #require(cluster["leases"] as? [[String: Any]])
        let loaded = Set(load.devices.map { Partitioning.partition(ofGateway: $0.gateway, count: 8) })
        for l in leases where (l["lease"] as? String).flatMap(Int.init).map(loaded.contains) == true {
            #expect(l["last_contact_age_ms"] is Int, "a partition under load without a last contact: \(l)")
        }
        #expect(Set(answers.values).count == 1, "the nodes answer differently: \(answers)")
        let page = try #require(try JSONSerialization.jsonObject(with: Data((answers.values.first ?? "").utf8)) as? [String: Any])
        #expect((page["items"] as? [Any])?.count == 50, "a page of 50 readings: \(page)")
    }
}

