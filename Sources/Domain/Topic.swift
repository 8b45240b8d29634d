import Foundation

/// The parts of an inbound topic `{prefix}/{gateway}/{device}/{kind}` (SPEC §2).
public struct Topic: Sendable, Equatable {
    /// What a device topic carries: `telemetry` or `event`.
    public enum Kind: String, Sendable, CaseIterable {
        case telemetry, event, status
    }

    /// The gateway's id.
    public let gateway: String
    /// The device's registration code.
    public let device: String
    /// What kind it is (a closed vocabulary, per record).
    public let kind: Kind

    /// Parses `topic` under `prefix`; returns why not on failure (the `bad_topic` detail).
    public static func parse(_ topic: UnsafeRawBufferPointer, prefix: [UInt8]) -> Result<Topic, TopicError> {
        guard topic.count > prefix.count + 1, topic.starts(with: prefix), topic[prefix.count] == UInt8(ascii: "/") else {
            return .failure(TopicError("topic is not under '\(String(decoding: prefix, as: UTF8.self))/'"))
        }
        // Exactly three levels after the prefix; found without building an array (per-message path).
        let rest = prefix.count + 1
        guard let s1 = topic[rest...].firstIndex(of: UInt8(ascii: "/")),
              let s2 = topic[(s1 + 1)...].firstIndex(of: UInt8(ascii: "/")),
              topic[(s2 + 1)...].firstIndex(of: UInt8(ascii: "/")) == nil else {
            let levels = topic[rest...].reduce(1) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
            return .failure(TopicError("expected {gateway}/{device}/{kind} after the prefix, found \(levels) level(s)"))
        }
        let gateway = UnsafeRawBufferPointer(rebasing: topic[rest..<s1])
        let device = UnsafeRawBufferPointer(rebasing: topic[(s1 + 1)..<s2])
        let kindText = String(decoding: UnsafeRawBufferPointer(rebasing: topic[(s2 + 1)...]), as: UTF8.self)
        guard let kind = Kind(rawValue: kindText) else {
            return .failure(TopicError("unknown kind '\(kindText.prefix(64))' (expected telemetry, event or status)"))
        }
        guard gateway.count <= 64, Identifier.isValid(gateway) else {
            return .failure(TopicError("gateway id must match [A-Za-z0-9._-]{1,64}"))
        }
        if kind == .status {
            guard device.count == 1, device[0] == UInt8(ascii: "_") else {
                return .failure(TopicError("status topics use '_' as the device"))
            }
        } else if !(device.count <= 64 && Identifier.isValid(device)) {
            return .failure(TopicError("device id must match [A-Za-z0-9._-]{1,64}"))
        }
        return .success(Topic(gateway: String(decoding: gateway, as: UTF8.self),
                              device: String(decoding: device, as: UTF8.self), kind: kind))
    }

    /// Parses an inbound topic under `prefix`, or says why it is not one (a `bad_topic` dead
    /// letter).
    public static func parse(_ topic: String, prefix: String) -> Result<Topic, TopicError> {
        var t = topic
        return t.withUTF8 { parse(UnsafeRawBufferPointer($0), prefix: Array(prefix.utf8)) }
    }
}


/// Why a topic is not an inbound device topic.
public struct TopicError: Error, Sendable, Equatable {
    /// Why, in English.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Every topic EquipWatch reads or writes, rendered under one configurable prefix (SPEC §2, §3),
/// so no other place assembles a topic by hand.
public struct Topics: Sendable, Equatable {
    /// The prefix of SPEC §2 unless `mqtt.topic_prefix` says otherwise.
    public static let defaultPrefix = "equipwatch/v1"

    public let prefix: String

    public init(prefix: String = Topics.defaultPrefix) { self.prefix = prefix }

    /// The pipeline's inbound subscription: gateway messages only (outbound topics have two
    /// levels under the prefix, so the pipeline never receives its own messages).
    public var inbound: String { "\(prefix)/+/+/+" }
    /// Completion reports of every firm.
    public var maintenanceReports: String { "\(prefix)/maintenance/+" }

    /// `{prefix}/{gateway}/{device}/{kind}`: where a gateway publishes for a device.
    public func device(gateway: String, device: String, kind: Topic.Kind) -> String {
        "\(prefix)/\(gateway)/\(device)/\(kind.rawValue)"
    }
    /// A gateway's own online/offline status (`_` stands for the device).
    public func status(gateway: String) -> String { "\(prefix)/\(gateway)/_/status" }
    /// `{prefix}/alarms/{type}`: the alarm feed of a device type.
    public func alarms(type: String) -> String { "\(prefix)/alarms/\(type)" }
    /// `{prefix}/notices/{firm}`: a firm's maintenance notices.
    public func notices(firm: String) -> String { "\(prefix)/notices/\(firm)" }
    /// `{prefix}/maintenance/{firm}`: where a firm reports completed maintenance.
    public func maintenance(firm: String) -> String { "\(prefix)/maintenance/\(firm)" }
    /// Answers to completed-maintenance reports (accepted with the record id, or refused).
    public func maintenanceResults(firm: String) -> String { "\(prefix)/maintenance-results/\(firm)" }
    /// Notices to an owner (使用单位): inspections due and overdue.
    public func ownerNotices(owner: String) -> String { "\(prefix)/owner-notices/\(owner)" }
}

extension Topic {
    /// A device topic `{prefix}/{gateway}/{device}/{telemetry|event}` as byte ranges of the
    /// topic, for the ingest worker's fast path: nil for anything else (status topics, malformed
    /// topics), which `Topic.parse` then explains. The levels are not checked as identifiers:
    /// the caller matches them against the registry, whose ids are.
    public struct DeviceLevels {
        /// The gateway's id.
        public let gateway: UnsafeRawBufferPointer
        /// The device's registration code.
        public let device: UnsafeRawBufferPointer
        /// What kind it is (a closed vocabulary, per record).
        public let kind: Topic.Kind

        /// Splits `topic` in place; nil unless it is `{prefix}/{gateway}/{device}/{telemetry|event}`
        /// with non-empty levels. On the worker's path for every message: `memcmp` and `memchr`
        /// over the bytes (the generic slice algorithms cost about 900 instructions a topic more).
        public init?(_ topic: UnsafeRawBufferPointer, prefix: [UInt8]) {
            let p = prefix.count
            let slash = UInt8(ascii: "/")
            guard topic.count > p + 1, let base = topic.baseAddress, topic[p] == slash,
                  prefix.withUnsafeBytes({ p == 0 || memcmp(base, $0.baseAddress!, p) == 0 }) else { return nil }
            /// The offset of the next `/` at or after `from`.
            func slashAt(_ from: Int) -> Int? {
                guard from < topic.count, let hit = memchr(base + from, Int32(slash), topic.count - from) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            guard let s1 = slashAt(p + 1), let s2 = slashAt(s1 + 1), s1 > p + 1, s2 > s1 + 1 else { return nil }
            let level = UnsafeRawBufferPointer(rebasing: topic[(s2 + 1)...])
            if level.equals("telemetry") { self.kind = .telemetry } else if level.equals("event") { self.kind = .event } else { return nil }
            gateway = UnsafeRawBufferPointer(rebasing: topic[(p + 1)..<s1])
            device = UnsafeRawBufferPointer(rebasing: topic[(s1 + 1)..<s2])
        }
    }
}
