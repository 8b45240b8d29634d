import Domain
import TestSupport
import DeviceCatalog
import Foundation
import Ingest
import MQTT
import Pipeline
import Records
import Services
import Storage
import Testing

/// Messages through a real mosquitto into a real SQLite file.
@Suite(.serialized) struct IngestEndToEndTests {
    @Test func validTelemetryAndEventsOfSeveralTypesAreStoredExactlyOnce() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let publisher = try env.publisher()
        defer { publisher.stop() }
        let devices = ["elevator", "boiler", "pressure_vessel", "gas_cylinder", "forklift"].map { env.device($0) }
        for d in devices {
            for seq in 1...20 { try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: UInt64(seq)).utf8), qos: 1) }
        }
        let elevator = devices[0]
        try publisher.publish(topic: env.topic(elevator, "event"), payload: Array(#"{"ts":\#(nowMs()),"seq":21,"code":"alarm_button"}"#.utf8), qos: 1)
        // A gateway batch of 10 readings in one message.
        let batch = "[" + (22...31).map { telemetry(elevator, seq: UInt64($0)) }.joined(separator: ",") + "]"
        try publisher.publish(topic: env.topic(elevator), payload: Array(batch.utf8), qos: 1)
        #expect(publisher.flush(timeout: 10))

        try waitUntil(timeout: 10, "110 readings") { try env.count("SELECT COUNT(*) FROM readings_flat") == 110 }
        // Stopping drains and commits whatever was received: nothing more than the 110 arrives.
        #expect(pipeline.stop())
        #expect(try env.count("SELECT COUNT(*) FROM readings_flat") == 110)
        // The batch arrived in one message, so one commit writes it: one row (with whatever else
        // of the elevator's that commit held); each reading keeps an id of its own.
        #expect(try env.count("SELECT MAX(elements) FROM readings") >= 10)
        #expect(try env.count("SELECT COUNT(DISTINCT id) FROM readings_flat") == 110)
        #expect(try env.count("SELECT COUNT(DISTINCT device_num) FROM readings_flat") == 5)
        #expect(try env.count("SELECT COUNT(*) FROM readings_flat r JOIN devices d ON d.num = r.device_num WHERE d.id = '\(elevator.id)'") == 30)
        let elevatorReadings = try env.store.readings(device: elevator.id, from: nil, to: nil, limit: 100)
        #expect(elevatorReadings.count == 30)
        #expect(Set(elevatorReadings.compactMap(\.seq)) == Set((1...20).map(Int64.init) + (22...31).map(Int64.init)))
        #expect(Set(elevatorReadings.map(\.id)).count == 30)
        #expect(try env.strings("SELECT code FROM events WHERE source = 'device'") == ["alarm_button"])
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE source = 'pipeline' AND code != 'fill'") == 0)
        #expect(try env.count("SELECT COUNT(*) FROM events WHERE code = 'fill'") == 20)  // each cylinder fill, checked
        #expect(try env.count("SELECT COUNT(*) FROM dead_letters") == 0)
        #expect(pipeline.stats.accepted == 111)
    }

    @Test func everyDeadLetterReasonIsStoredAndIngestCarriesOn() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let publisher = try env.publisher()
        defer { publisher.stop() }
        let d = env.device("elevator")
        let other = env.catalog.fleet.gateways.first { $0.id != d.gateway }!.id
        let now = nowMs()
        let cases: [(DeadLetterReason, String, String)] = [
            (.badTopic, "equipwatch/v1/\(d.gateway)/\(d.id)/readings", telemetry(d, seq: nil)),
            (.tooLarge, env.topic(d), "{\"ts\":\(now),\"data\":{},\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}"),
            (.malformedJSON, env.topic(d), "{\"ts\": 1,"),
            (.schema, env.topic(d), #"{"ts":\#(now),"data":{"altitude_m":3}}"#),
            (.outOfRange, env.topic(d), #"{"ts":\#(now),"data":{"speed_mps":45}}"#),
            (.unknownDevice, "equipwatch/v1/\(d.gateway)/NO-SUCH-DEVICE/telemetry", telemetry(d, seq: nil)),
            (.unknownGateway, "equipwatch/v1/gw-nowhere/_/status", "offline"),
            (.gatewayNotBound, env.topic(d, gateway: other), telemetry(d, seq: nil)),
            (.stale, env.topic(d), telemetry(d, seq: nil, ts: now - 40 * 86_400_000)),
            (.future, env.topic(d), telemetry(d, seq: nil, ts: now + 86_400_000)),
        ]
        for (_, topic, payload) in cases { try publisher.publish(topic: topic, payload: Array(payload.utf8), qos: 1) }
        try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: 1).utf8), qos: 1)
        #expect(publisher.flush(timeout: 10))

        try waitUntil(timeout: 10, "the valid message after the bad ones") { try env.count("SELECT COUNT(*) FROM readings_flat") == 1 }
        try waitUntil(timeout: 5, "all dead letters") { try env.count("SELECT COUNT(*) FROM dead_letters") == Int64(cases.count) }
        #expect(Set(try env.strings("SELECT reason FROM dead_letters")) == Set(cases.map(\.0.rawValue)))
        let tooLarge = try env.int64s("SELECT payload_size FROM dead_letters WHERE reason = 'too_large'")
        #expect(tooLarge.first ?? 0 > 65_536)
        #expect(try env.strings("SELECT topic FROM dead_letters WHERE reason = 'gateway_not_bound'") == [env.topic(d, gateway: other)])
        // Counted just after the commit that stored it (the store is seen first): awaited, not raced.
        try waitUntil(timeout: 5, "the schema dead letter counted") { pipeline.stats.deadLetters(.schema) == 1 }
    }

    @Test("a redelivered message is dropped, a gap is an event, a late one is kept, a restarted counter is a new epoch")
    func sequenceCasesEndToEnd() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let publisher = try env.publisher()
        defer { publisher.stop() }
        let d = env.device("boiler")
        let t = nowMs() - 60_000
        func send(_ pairs: [(UInt64, Int64)]) throws {
            for (seq, ts) in pairs { try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: seq, ts: ts).utf8), qos: 1) }
            #expect(publisher.flush(timeout: 10))
        }
        // (2, t+2) and (1, t+1) come twice: the very same messages, redelivered.
        try send([(1, t + 1), (2, t + 2), (2, t + 2), (3, t + 3), (7, t + 7), (1, t + 1), (5, t + 5)])
        try waitUntil(timeout: 10, "duplicates counted") { try env.count("SELECT duplicates FROM device_state") == 2 }
        #expect(try env.int64s("SELECT seq FROM readings_flat ORDER BY id") == [1, 2, 3, 7, 5])
        #expect(try env.strings("SELECT data FROM events WHERE code = 'seq_gap'") == [#"{"missing_from":4,"missing_to":6,"missing":3}"#])

        // Far behind the window with an older ts: late, kept; the same message again: a duplicate.
        try send([(300, t + 300), (100, t + 100), (100, t + 100)])
        try waitUntil(timeout: 10, "the far-behind duplicate counted") { try env.count("SELECT duplicates FROM device_state") == 3 }
        #expect(try env.int64s("SELECT seq FROM readings_flat ORDER BY id") == [1, 2, 3, 7, 5, 300, 100])
        // The counter starts again while time moves on: a new epoch, stored, with its event.
        try send([(1, t + 1000), (2, t + 1001)])
        try waitUntil(timeout: 10, "the new epoch stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 9 }
        #expect(try env.strings("SELECT data FROM events WHERE code = 'seq_reset'") == [#"{"previous_highest":300,"seq":1}"#])
        #expect(try env.count("SELECT COUNT(*) FROM dead_letters") == 0)
    }

    @Test func aMessageForADeviceUnderAnotherGatewayIsRejected() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let publisher = try env.publisher()
        defer { publisher.stop() }
        let d = env.device("forklift")
        let intruder = env.catalog.fleet.gateways.first { $0.id != d.gateway }!.id
        try publisher.publish(topic: env.topic(d, gateway: intruder), payload: Array(telemetry(d, seq: 1).utf8), qos: 1)
        try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: 2).utf8), qos: 1)
        #expect(publisher.flush(timeout: 10))
        try waitUntil(timeout: 10, "the bound gateway's reading") { try env.count("SELECT COUNT(*) FROM readings_flat") == 1 }
        #expect(try env.int64s("SELECT seq FROM readings_flat") == [2])
        #expect(try env.strings("SELECT gateway FROM dead_letters WHERE reason = 'gateway_not_bound'") == [intruder])
    }

    @Test func anOfflineGatewayMarksItsDevicesUnmonitored() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let publisher = try env.publisher()
        defer { publisher.stop() }
        let d = env.device("elevator")
        try publisher.publish(topic: "equipwatch/v1/\(d.gateway)/_/status", payload: Array(#"{"state":"offline"}"#.utf8), qos: 1)
        #expect(publisher.flush(timeout: 10))
        try waitUntil(timeout: 10, "gateway offline") { try env.count("SELECT COUNT(*) FROM gateway_status") == 1 }
        let behind = try env.store.devices(DeviceFilter(gateway: d.gateway))
        #expect(!behind.isEmpty)
        #expect(behind.allSatisfy { !$0.monitored })
        let elsewhere = try env.store.devices(DeviceFilter(type: "forklift"))
        #expect(!elsewhere.isEmpty)
        #expect(elsewhere.allSatisfy { $0.monitored })
    }
}

/// A process with more than 1024 open files (hundreds of HTTP clients, a simulator's gateways):
/// libmosquitto's select()-based loop refuses a socket numbered 1024 or above, so ingest and the
/// outbox must not depend on it.
@Suite(.serialized) struct ManyOpenFilesTests {
    /// Raises this process's soft limit on open files towards 4096 (within the hard limit);
    /// true when at least 1300 files may be open.
    static func roomForManyFiles() -> Bool {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 4096 {
            limit.rlim_cur = min(4096, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return limit.rlim_cur >= 1300
    }

    @Test("with sockets numbered above 1024, the pipeline still ingests and a publisher's background loop still delivers",
          .enabled(if: roomForManyFiles(), "the hard limit on open files is below 1300"))
    func socketsAboveFDSetSize() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        // Fill the low descriptors so every socket opened from here on is numbered above 1024.
        var fillers: [Int32] = []
        defer { for fd in fillers { close(fd) } }
        while fillers.last.map({ $0 < 1100 }) ?? true {
            let fd = open("/dev/null", O_RDONLY)
            try #require(fd >= 0)
            fillers.append(fd)
        }
        let pipeline = try env.startedPipeline()
        defer { pipeline.stop() }
        let publisher = try env.publisher()
        defer { publisher.stop() }
        let d = env.device("boiler")
        for seq in 1...50 { try publisher.publish(topic: env.topic(d), payload: Array(telemetry(d, seq: UInt64(seq)).utf8), qos: 1) }
        #expect(publisher.flush(timeout: 10), "the publisher's acknowledgements came back through its own loop")
        try waitUntil(timeout: 10, "50 readings") { try env.count("SELECT COUNT(*) FROM readings_flat") == 50 }
        #expect(pipeline.stats.accepted == 50)
    }
}
