import Domain
import DeviceCatalog
import Ingest
import Rules
import Testing

/// A small registry: one elevator type, two devices on two gateways.
enum Fixture {
    static let typeYAML = """
        type: elevator
        telemetry:
          speed_mps: {type: number, unit: m/s, range: [0, 20]}
          floor: {type: int, range: [-5, 100]}
          moving: {type: bool}
          mode: {type: enum, values: [normal, inspection]}
          load_pct: {type: number, range: [0, 250], normal: [0, 100]}
        events:
          trapped: {severity: critical}
        attributes:
          rated_speed_mps: {type: number, range: [0.1, 20], required: true}
        """

    static func directory() throws -> DeviceDirectory {
        let type = try DeviceTypeParser.parse(text: typeYAML, file: "elevator.yaml")
        func device(_ id: String, _ gw: String) -> DeviceRecord {
            DeviceRecord(id: id, type: "elevator", gateway: gw, site: "s", owner: "o", firm: "f",
                         commissioned: Day(year: 2020, month: 1, day: 1)!, lastInspections: [:], inspectionGrade: nil,
                         attributes: ["rated_speed_mps": .number(1.5)], origin: Origin(file: "t", line: 1))
        }
        return DeviceDirectory(types: ["elevator": type], devices: [(1, device("E1", "gw-a")), (2, device("E2", "gw-b"))],
                               gateways: ["gw-a", "gw-b"])
    }
}

@Suite struct ValidatorTests {
    let now: Int64 = 1_795_567_546_013
    let validator = Validator(prefix: "equipwatch/v1", limits: IngestLimits(maxPayloadBytes: 512))

    func run(_ topic: String, _ payload: String, validator: Validator? = nil) throws -> IngestOutput {
        let validator = validator ?? self.validator
        var out = IngestOutput()
        let dir = try Fixture.directory()
        var t = topic
        var p = payload
        t.withUTF8 { tb in p.withUTF8 { pb in
            validator.validate(topic: UnsafeRawBufferPointer(tb), payload: UnsafeRawBufferPointer(pb), receivedAt: now, directory: dir, into: &out)
        } }
        return out
    }

    func reason(_ topic: String, _ payload: String) throws -> DeadLetterReason? {
        let out = try run(topic, payload)
        #expect(out.accepted.isEmpty)
        return out.deadLetters.first?.reason
    }

    @Test func acceptsDeclaredTelemetryAndEventsWithTypedValues() throws {
        let out = try run("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"seq":7,"data":{"speed_mps":1.2,"floor":3,"moving":true,"mode":"normal"}}"#)
        #expect(out.deadLetters.isEmpty)
        let m = try #require(out.accepted.first)
        #expect(m.deviceNum == 1 && m.seq == 7 && m.ts == now)
        #expect(m.values[0] == .number(1.2) && m.values[1] == .number(3) && m.values[2] == .bool(true) && m.values[4] == nil)
        #expect(m.data == #"{"speed_mps":1.2,"floor":3,"moving":true,"mode":"normal"}"#)
        let e = try run("equipwatch/v1/gw-a/E1/event", #"{"ts":"2026-11-25T08:00:00+08:00","code":"trapped","data":{"floor":3}}"#)
        #expect(e.accepted.first?.code == "trapped" && e.accepted.first?.data == #"{"floor":3}"#)
    }

    @Test func acceptedDataIsStoredExactlyAsReceivedEvenInsideABatch() throws {
        let out = try run("equipwatch/v1/gw-a/E1/telemetry",
                          #"[ {"ts":\#(now), "data": { "floor" : 3, "speed_mps":1.50 } } , {"data":{"moving":true},"ts":\#(now)} ]"#)
        #expect(out.accepted.map(\.data) == [#"{ "floor" : 3, "speed_mps":1.50 }"#, #"{"moving":true}"#])
        #expect(out.accepted.first?.values[0] == .number(1.5))
    }

    @Test("a batch keeps its good elements; its bad ones make one dead letter with their count and first reasons")
    func aBatchKeepsGoodElementsAndMakesOneDeadLetter() throws {
        let payload = #"[{"ts":\#(now),"data":{"floor":1}},{"ts":\#(now),"data":{"floor":999}},{"ts":\#(now),"data":{"floor":2}}]"#
        let out = try run("equipwatch/v1/gw-a/E1/telemetry", payload)
        #expect(out.accepted.count == 2)
        #expect(out.deadLetters.count == 1)
        #expect(out.deadLetters[0].reason == .outOfRange)
        #expect(out.deadLetters[0].detail == "1 of 3 elements rejected, the others accepted: [1] floor = 999 outside the physical range -5…100")
        #expect(String(decoding: out.deadLetters[0].payload, as: UTF8.self) == payload)
    }

    @Test("a dead letter keeps the first bytes of a large payload and the SHA-256 of the whole; a small one whole, without a hash")
    func deadLetterPayloadCapped() throws {
        let capped = Validator(prefix: "equipwatch/v1", limits: IngestLimits(deadLetterPayloadCap: 4096))
        let big = #"{"ts":1,"data":{"x":""# + String(repeating: "y", count: 10_000) + #""}}"#
        let out = try run("equipwatch/v1/gw-a/NOPE/telemetry", big, validator: capped)
        let d = try #require(out.deadLetters.first)
        #expect(d.reason == .unknownDevice)
        #expect(d.payload.count == 4096 && d.payloadSize == big.utf8.count)
        #expect(d.payload == Array(big.utf8.prefix(4096)))
        #expect(d.payloadSHA256 == SHA256.hex(big.utf8))
        let small = try run("equipwatch/v1/gw-a/NOPE/telemetry", #"{"ts":1,"data":{}}"#, validator: capped)
        #expect(small.deadLetters.first?.payloadSHA256 == nil && small.deadLetters.first?.payload.count == 18)
    }

    @Test("21,844 empty objects in 64 KiB make one dead letter, not 21,844; a batch at the cap is checked element by element")
    func batchAmplificationIsBounded() throws {
        let flood = "[" + Array(repeating: "{}", count: 21_844).joined(separator: ",") + "]"
        let full = Validator(prefix: "equipwatch/v1", limits: IngestLimits())  // 64 KiB, 1000 elements
        #expect(flood.utf8.count <= 65_536)
        let out = try run("equipwatch/v1/gw-a/E1/telemetry", flood, validator: full)
        #expect(out.deadLetters.count == 1)
        #expect(out.deadLetters[0].reason == .tooLarge)
        #expect(out.deadLetters[0].detail == "batch of 21844 elements exceeds the limit of 1000")
        let atCap = "[" + Array(repeating: "{}", count: 1000).joined(separator: ",") + "]"
        let checked = try run("equipwatch/v1/gw-a/E1/telemetry", atCap, validator: full)
        #expect(checked.deadLetters.count == 1)
        #expect(checked.deadLetters[0].reason == .schema)
        #expect(checked.deadLetters[0].detail.hasPrefix("1000 of 1000 elements rejected, the others accepted: [0] "))
        #expect(checked.deadLetters[0].detail.hasSuffix("; ..."))
    }

    @Test func everyRejectionCarriesItsReason() throws {
        let ok = #"{"ts":\#(now),"data":{"floor":1}}"#
        #expect(try reason("other/gw-a/E1/telemetry", ok) == .badTopic)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", String(repeating: " ", count: 600) + ok) == .tooLarge)
        #expect(try reason("equipwatch/v1/gw-a/NOPE/telemetry", ok) == .unknownDevice)
        #expect(try reason("equipwatch/v1/gw-b/E1/telemetry", ok) == .gatewayNotBound)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", "{\"ts\":") == .malformedJSON)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"data":{"altitude":1}}"#) == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"data":{"floor":1.5}}"#) == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"data":{"mode":"party"}}"#) == .outOfRange)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"data":{"floor":1}}"#) == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"seq":-1,"data":{}}"#) == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"data":{},"extra":1}"#) == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/event", #"{"ts":\#(now),"code":"party"}"#) == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now + 3_600_000),"data":{}}"#) == .future)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now - 30 * 86_400_000),"data":{}}"#) == .stale)
        #expect(try reason("equipwatch/v1/gw-z/_/status", "offline") == .unknownGateway)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", "42") == .schema)
        #expect(try reason("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"ts":\#(now),"data":{}}"#) == .schema)
    }

    @Test func gatewayStatusAcceptsBareWordsAndJSON() throws {
        #expect(try run("equipwatch/v1/gw-a/_/status", "offline").gatewayStatuses.first?.online == false)
        #expect(try run("equipwatch/v1/gw-a/_/status", #"{"state":"online","ts":5}"#).gatewayStatuses.first == GatewayStatus(gateway: "gw-a", online: true, at: 5))
    }

    @Test func normalBandCheckReportsTransitionsOnly() throws {
        let dir = try Fixture.directory()
        let check = NormalBandCheck()
        var derived = RuleOutput()
        for load in [50.0, 120, 130, 90, 95] {
            let out = try run("equipwatch/v1/gw-a/E1/telemetry", #"{"ts":\#(now),"data":{"load_pct":\#(load)}}"#)
            let m = try #require(out.accepted.first)
            check.evaluate(m, device: dir.entries[0], type: dir.types[0], into: &derived)
        }
        #expect(derived.events.map(\.code) == [.outOfNormalBand, .backInNormalBand])
    }
}

/// Cylinders are traced through fills: any licensed station's gateway may speak for them.
@Suite struct TracedFillValidatorTests {
    let now: Int64 = 1_795_567_546_013

    func run(_ topic: String, _ payload: String) throws -> IngestOutput {
        let type = RuleEngineTests.types["gas_cylinder"]!
        let cylinder = DeviceRecord(id: "C1", type: "gas_cylinder", gateway: "gw-home", site: "s", owner: "o", firm: "f",
                                    commissioned: Day(year: 2022, month: 1, day: 1)!, lastInspections: [:], inspectionGrade: nil,
                                    attributes: ["gas": .string("LPG")], origin: Origin(file: "t", line: 1))
        let stations = [FillingStation(id: "st-home", name: "Home", site: "s", licence: "TS-1", gases: ["LPG"], gateways: ["gw-home"], firm: "f"),
                        FillingStation(id: "st-other", name: "Other", site: "s2", licence: "TS-2", gases: ["LPG"], gateways: ["gw-other"], firm: "f")]
        let dir = DeviceDirectory(types: ["gas_cylinder": type], devices: [(1, cylinder)], gateways: ["gw-home", "gw-other", "gw-plain"],
                                  stations: stations)
        var out = IngestOutput()
        var t = topic
        var p = payload
        t.withUTF8 { tb in p.withUTF8 { pb in
            Validator(prefix: "equipwatch/v1", limits: IngestLimits()).validate(topic: UnsafeRawBufferPointer(tb), payload: UnsafeRawBufferPointer(pb),
                                                        receivedAt: now, directory: dir, into: &out)
        } }
        return out
    }

    @Test("a fill at another licensed station is accepted with that station; a gateway of no station is gateway_not_bound")
    func anyStation() throws {
        let fill = #"{"ts":\#(now),"data":{"gas":"LPG","net_kg":14.2,"fill_pressure_mpa":2.0,"operator":"op-1"}}"#
        let home = try run("equipwatch/v1/gw-home/C1/telemetry", fill)
        #expect(home.accepted.first?.stationIndex == 0)
        let other = try run("equipwatch/v1/gw-other/C1/telemetry", fill)
        #expect(other.deadLetters.isEmpty)
        #expect(other.accepted.first?.stationIndex == 1)
        let plain = try run("equipwatch/v1/gw-plain/C1/telemetry", fill)
        #expect(plain.accepted.isEmpty)
        #expect(plain.deadLetters.first?.reason == .gatewayNotBound)
        #expect(plain.deadLetters.first?.detail.contains("belongs to no filling station") == true)
    }

    @Test("a gateway may not send the fields the pipeline derives (station, fill_check, fill_problem)")
    func derivedFieldsAreNotSent() throws {
        let out = try run("equipwatch/v1/gw-home/C1/telemetry", #"{"ts":\#(now),"data":{"net_kg":14.2,"fill_check":"ok"}}"#)
        #expect(out.accepted.isEmpty)
        #expect(out.deadLetters.first?.reason == .schema)
        #expect(out.deadLetters.first?.detail.contains("filled in by the pipeline") == true)
    }
}
