import MQTT
import ArgumentParser
import Commands
import DeviceCatalog
import Domain
import Foundation
import Inspection
import Pipeline
import Records
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// Gas cylinders traced through their fills, against a real broker and a real SQLite store.
@Suite("Traceability: cylinder fills at any licensed station, checked (real broker, real SQLite)", .serialized)
struct TraceabilityTests {
    static func fill(_ ts: Int64, gas: String, pressure: Double, seq: Int, filler: String? = "P-firm-binhai") -> String {
        #"{"ts":\#(ts),"seq":\#(seq),"data":{"operator":"op-7",\#(filler.map { #""filler_cert":"\#($0)","# } ?? "")"gun":"gun-2","gas":"\#(gas)","pre_fill_check":"pass","started_at":"2026-11-26T08:00:00+08:00","tare_kg":15.1,"gross_kg":29.6,"net_kg":14.5,"fill_pressure_mpa":\#(pressure)}}"#
    }

    @Test("a fill at another licensed station is stored with that station; a cylinder past its life is a critical incident and the station's firm is told; a gateway of no station is a dead letter")
    func fillsAcrossStations() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline { try env.plannerPipeline() }
        defer { _ = pipeline.stop() }
        let type = env.catalog.types["gas_cylinder"]!
        let stations = env.catalog.fleet.stations
        let other = try #require(stations.first { $0.id == "station-beichen-lpg" })
        let today = LocalDays.china.day(wallMillis())
        func findings(_ d: DeviceRecord, at s: FillingStation) -> [FillFinding] {
            FillCheck.findings(FillCheck.Cylinder(commissioned: d.commissioned, lastInspections: d.lastInspections, grade: d.inspectionGrade,
                                                  failedInspections: [:], attributes: d.attributes),
                               type: type, station: s, fill: [:], today: today)
        }
        let lpg = env.catalog.fleet.devices.filter { $0.type == "gas_cylinder" && $0.attributes["gas"]?.string == "LPG" }
        let good = try #require(lpg.first { findings($0, at: other).isEmpty })
        let old = try #require(lpg.first { findings($0, at: other).map(\.problem) == [.pastServiceLife] })
        let pub = try env.publisher()
        defer { pub.stop() }
        let now = nowMs()
        try pub.publish(topic: env.topic(good, gateway: other.gateways[0]), payload: Array(Self.fill(now, gas: "LPG", pressure: 2.0, seq: 1).utf8), qos: 1)
        try pub.publish(topic: env.topic(old, gateway: other.gateways[0]), payload: Array(Self.fill(now, gas: "LPG", pressure: 2.0, seq: 1).utf8), qos: 1)
        try pub.publish(topic: env.topic(good, gateway: "gw-nankai-school-1"), payload: Array(Self.fill(now + 1, gas: "LPG", pressure: 2.0, seq: 2).utf8), qos: 1)
        #expect(pub.flush(timeout: 10))
        try waitUntil(timeout: 10, "both fills checked and the stray one dead-lettered") {
            try env.count("SELECT COUNT(*) FROM events WHERE code = 'fill'") == 2
                && env.count("SELECT COUNT(*) FROM dead_letters WHERE reason = 'gateway_not_bound'") == 1
                && env.count("SELECT COUNT(*) FROM notices WHERE kind = 'fill_refused'") == 1
        }
        let goodFills = try env.store.fills(device: good.id, limit: 10)
        #expect(goodFills.map(\.station) == [other.id])
        #expect(goodFills.first?.result == "ok" && goodFills.first?.licence == other.licence && goodFills.first?.operatorName == "op-7")
        #expect(goodFills.first?.netKg == 14.5)
        let oldFills = try env.store.fills(device: old.id, limit: 10)
        #expect(oldFills.first?.result == "refused")
        #expect(oldFills.first?.problems.text == #"["past_service_life"]"#)
        var alarms = AlarmFilter()
        alarms.device = old.id
        let alarm = try #require(try env.store.alarms(alarms).first)
        #expect(alarm.rule == "gas_cylinder.fill_refused" && alarm.severity == .critical && alarm.incident != nil)
        #expect(alarm.message.contains("past_service_life"))
        alarms.device = good.id
        #expect(try env.store.alarms(alarms).isEmpty)
        var notices = NoticeFilter()
        notices.kind = .fillRefused
        let notice = try #require(try env.store.notices(notices).first)
        #expect(notice.firm == other.firm && notice.device == old.id)
        #expect(notice.reason.contains(other.name) && notice.reason.contains("past_service_life"))
        // A fill by someone without a valid P certificate (none named; then a T one) is stored and
        // flagged, the cylinder's own check stays ok, and the station's firm is told once per filler and day.
        try pub.publish(topic: env.topic(good, gateway: other.gateways[0]), payload: Array(Self.fill(now + 2, gas: "LPG", pressure: 2.0, seq: 3, filler: nil).utf8), qos: 1)
        try pub.publish(topic: env.topic(good, gateway: other.gateways[0]), payload: Array(Self.fill(now + 3, gas: "LPG", pressure: 2.0, seq: 4, filler: nil).utf8), qos: 1)
        try pub.publish(topic: env.topic(good, gateway: other.gateways[0]),
                        payload: Array(Self.fill(now + 4, gas: "LPG", pressure: 2.0, seq: 5, filler: "T-\(other.firm)").utf8), qos: 1)
        #expect(pub.flush(timeout: 10))
        try waitUntil(timeout: 10, "uncertified fills stored and flagged") {
            try env.count("SELECT COUNT(*) FROM events WHERE code = 'fill'") == 5
        }
        let flagged = try env.store.fills(device: good.id, limit: 10)
        #expect(flagged.map(\.fillerProblem) == ["certificate_wrong_item", "certificate_missing", "certificate_missing", nil])
        #expect(flagged.allSatisfy { $0.result == "ok" })
        #expect(flagged.last?.fillerCert == "P-\(other.firm)")
        notices.kind = .fillerUncertified
        let uncertified = try env.store.notices(notices)
        #expect(uncertified.count == 2)
        #expect(uncertified.allSatisfy { $0.firm == other.firm && $0.device == good.id })
        #expect(uncertified.contains { $0.reason.contains("no worker certificate named") })
        alarms.device = good.id
        #expect(try env.store.alarms(alarms).isEmpty)
        // The CLI shows the history with the station's name beside its id.
        let out = try runCommand(["cylinders", "history", old.id] + env.storeArguments)
        #expect(out.contains("refused") && out.contains("\(other.name) (\(other.id))"))
        #expect(throws: (any Error).self) { try runCommand(["cylinders", "history", "no-such-cylinder"] + env.storeArguments) }
    }
}

/// Runs `equipwatch ARGS` in this process and returns what it printed.
private func runCommand(_ arguments: [String]) throws -> String {
    let captured = Mutex("")
    try Console.$write.withValue({ text in captured.withLock { $0 += text } }) {
        var command = try EquipWatch.parseAsRoot(arguments)
        try command.run()
    }
    return captured.withLock { $0 }
}
