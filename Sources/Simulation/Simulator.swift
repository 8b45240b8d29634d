import Domain
import DeviceCatalog
import Foundation
import Logging
import MQTT

/// Virtual gateways for the registered fleet: one MQTT connection per gateway (with a last will
/// that reports it offline), publishing each device's telemetry at an overall rate, with the
/// requested faults injected.
public final class Simulator: @unchecked Sendable {
    /// The broker, the fleet, the rate and the faults to inject.
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 1883
        public var topicPrefix = Topics.defaultPrefix
        /// Messages per second over the whole fleet.
        public var rate = 200.0
        /// Simulate only the first N devices (all when nil).
        public var deviceLimit: Int?
        /// Stop after this many seconds (run until stopped when nil).
        public var duration: Double?
        /// Fault and how many devices (or gateways) it affects.
        public var faults: [(fault: Fault, count: Int)] = []
        public var qos: Int32 = 1
        public var seed: UInt64 = 1
        /// Readings per message (a gateway batch when above 1).
        public var batch = 1
        /// Gateways connect as `{clientPrefix}-{gateway}`; give each simulating instance its own.
        public var clientPrefix = "equipwatch-sim"
        /// By firm: the certificate number (P 气瓶充装) its stations' fillers sign fills with. A
        /// station's firm without one sends fills without `filler_cert` (flagged by the pipeline).
        public var fillerCertificates: [String: String] = [:]
        public init() {}
    }

    /// What a simulation sent, by kind.
    public struct Summary: Sendable, CustomStringConvertible {
        public var published = 0
        /// Messages a gateway could not send while its broker connection was down (a gap for the
        /// pipeline, as from a real gateway that lost its link).
        public var unsent = 0
        public var garbage = 0
        public var duplicates = 0
        var reordered = 0
        public var faulted: [String: [String]] = [:]
        public var description: String {
            var s = "published \(published) message(s): \(garbage) garbage, \(duplicates) duplicate(s), \(reordered) reordered"
            if unsent > 0 { s += "; \(unsent) not sent while the broker was unreachable" }
            for (f, ids) in faulted.sorted(by: { $0.key < $1.key }) { s += "\n  \(f): \(ids.joined(separator: ", "))" }
            return s
        }
    }

    private let options: Options
    private let logger: Logger
    private var models: [DeviceModel]
    private var publishers: [String: Publisher] = [:]
    private var silentGateways: Set<String> = []
    private var garbageDevices: Set<String> = []
    private var reorderDevices: Set<String> = []
    private var duplicateDevices: Set<String> = []
    private var held: [String: (String, [UInt8])] = [:]
    /// Gateways whose last publish failed for want of a broker connection.
    private var disconnected: Set<String> = []
    private var rng: SplitMix64
    public private(set) var summary = Summary()

    public init(fleet: Fleet, options: Options, logger: Logger) {
        (self.options, self.logger) = (options, logger)
        rng = SplitMix64(seed: options.seed)
        var devices = fleet.devices.sorted { $0.id < $1.id }
        if let n = options.deviceLimit { devices = Array(devices.prefix(n)) }
        // Sequence numbers start from the clock so that a new run continues above an old one
        // (the pipeline would otherwise drop the new run's first messages as duplicates).
        let start = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        var rng = rng
        models = devices.map { DeviceModel(record: $0, seqStart: start, rng: &rng) }
        self.rng = rng
        var stationFirm: [String: String] = [:]
        for station in fleet.stations { for g in station.gateways { stationFirm[g] = station.firm } }
        for i in models.indices {
            if let firm = stationFirm[models[i].record.gateway] { models[i].fillerCert = options.fillerCertificates[firm] }
        }
        assignFaults()
    }

    private func assignFaults() {
        for (fault, count) in options.faults {
            var ids: [String] = []
            if fault == .silentGateway {
                let gateways = Array(Set(models.map(\.record.gateway))).sorted().prefix(count)
                silentGateways.formUnion(gateways)
                ids = Array(gateways)
            } else {
                let candidates = models.indices.filter { i in
                    fault.deviceType.map { models[i].record.type == $0 } ?? true
                }.filter { models[$0].fault == nil }
                for i in candidates.prefix(count) {
                    let id = models[i].record.id
                    switch fault {
                    case .garbage: garbageDevices.insert(id)
                    case .outOfOrder: reorderDevices.insert(id)
                    case .duplicateSeq: duplicateDevices.insert(id)
                    default: models[i].fault = fault
                    }
                    ids.append(id)
                }
            }
            summary.faulted[fault.rawValue] = ids
        }
    }

    /// Publishes until `stop` is set or the duration passes. Blocking.
    public func run(stop: Flag) throws {
        for gateway in Set(models.map(\.record.gateway)).sorted() {
            var o = MQTTOptions(host: options.host, port: options.port, clientId: "\(options.clientPrefix)-\(gateway)", cleanSession: true)
            let status = Topics(prefix: options.topicPrefix).status(gateway: gateway)
            o.will = .init(topic: status, payload: Array("offline".utf8), qos: 1, retain: false)
            let p = try Publisher(options: o, window: 500)
            try p.start()
            try p.publish(topic: status, payload: Array("online".utf8), qos: 1)
            publishers[gateway] = p
        }
        logger.info("simulating", metadata: ["devices": "\(models.count)", "gateways": "\(publishers.count)", "rate": "\(options.rate)"])
        let started = Date()
        var cursor = 0
        var sent = 0
        while !stop.value {
            let elapsed = Date().timeIntervalSince(started)
            if let d = options.duration, elapsed >= d { break }
            let due = Int(elapsed * options.rate) - sent
            for _ in 0..<max(0, due) where !models.isEmpty {
                let i = cursor % models.count
                cursor += 1
                sent += 1
                emit(i)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        // Stopping takes seconds, not a wait per gateway: one deadline for every acknowledgement
        // still owed (none come from a broker that is gone), then "offline" from each gateway.
        let connected = publishers.filter { $0.value.isConnected }
        logger.info("stopping: waiting up to 3 s for the broker's acknowledgements, then each gateway says offline",
                    metadata: ["gateways": "\(publishers.count)", "connected": "\(connected.count)"])
        let acks = Date().addingTimeInterval(3)
        for p in connected.values { _ = p.flush(until: acks) }
        let offline = Date().addingTimeInterval(2)
        for (gateway, p) in connected where !silentGateways.contains(gateway) {
            _ = try? p.publish(topic: Topics(prefix: options.topicPrefix).status(gateway: gateway), payload: Array("offline".utf8), qos: 1)
        }
        for p in connected.values { _ = p.flush(until: offline) }
        for p in publishers.values { p.stop() }
    }

    /// Publishes one message. A gateway whose broker connection is down keeps running (libmosquitto
    /// reconnects it) and counts the message as not sent, as a real gateway's link loss would.
    private func send(_ publisher: Publisher, gateway: String, topic: String, payload: [UInt8]) -> Bool {
        do {
            try publisher.publish(topic: topic, payload: payload, qos: options.qos)
            if disconnected.remove(gateway) != nil {
                logger.notice("gateway reconnected to the broker", metadata: ["gateway": "\(gateway)"])
            }
            return true
        } catch {
            summary.unsent += 1
            if disconnected.insert(gateway).inserted {
                logger.warning("gateway cannot reach the broker; it keeps trying and counts what it cannot send",
                               metadata: ["gateway": "\(gateway)", "error": "\(error)"])
            }
            return false
        }
    }

    private func emit(_ i: Int) {
        let gateway = models[i].record.gateway
        let id = models[i].record.id
        guard !silentGateways.contains(gateway), let publisher = publishers[gateway] else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var kind = Topic.Kind.telemetry
        var payload: [UInt8]
        if options.batch > 1 {
            var parts: [String] = []
            for _ in 0..<options.batch {
                let m = models[i].next(nowMs: now, rng: &rng)
                if m.kind == .telemetry { parts.append(m.payload) }
            }
            payload = Array(("[" + parts.joined(separator: ",") + "]").utf8)
        } else {
            let m = models[i].next(nowMs: now, rng: &rng)
            kind = m.kind
            payload = Array(m.payload.utf8)
        }
        if garbageDevices.contains(id), models[i].seq % 5 == 0 {
            payload = Garbage.payload(Int(models[i].seq / 5), nowMs: now)
            summary.garbage += 1
        }
        let topic = Topics(prefix: options.topicPrefix).device(gateway: gateway, device: id, kind: kind)
        if reorderDevices.contains(id) {
            // Hold every other message back and send it after its successor.
            if let h = held.removeValue(forKey: id) {
                let sent = [send(publisher, gateway: gateway, topic: topic, payload: payload),
                            send(publisher, gateway: gateway, topic: h.0, payload: h.1)].filter { $0 }.count
                summary.published += sent
                if sent == 2 { summary.reordered += 1 }
            } else {
                held[id] = (topic, payload)
            }
            return
        }
        guard send(publisher, gateway: gateway, topic: topic, payload: payload) else { return }
        summary.published += 1
        if duplicateDevices.contains(id), models[i].seq % 4 == 0, send(publisher, gateway: gateway, topic: topic, payload: payload) {
            summary.published += 1
            summary.duplicates += 1
        }
    }
}
