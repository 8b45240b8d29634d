import DeviceCatalog

/// The parts of an inbound topic `{prefix}/{gateway}/{device}/{kind}` (SPEC §2).
public struct Topic: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case telemetry, event, status
    }

    public let gateway: String
    public let device: String
    public let kind: Kind

    public init(gateway: String, device: String, kind: Kind) {
        self.gateway = gateway
        self.device = device
        self.kind = kind
    }

    /// Parses `topic` under `prefix`; returns why not on failure (the `bad_topic` detail).
    public static func parse(_ topic: UnsafeRawBufferPointer, prefix: [UInt8]) -> Result<Topic, TopicError> {
        guard topic.count > prefix.count + 1, topic.starts(with: prefix), topic[prefix.count] == UInt8(ascii: "/") else {
            return .failure(TopicError("topic is not under '\(String(decoding: prefix, as: UTF8.self))/'"))
        }
        var parts: [UnsafeRawBufferPointer] = []
        var start = prefix.count + 1
        for i in start..<topic.count where topic[i] == UInt8(ascii: "/") {
            parts.append(UnsafeRawBufferPointer(rebasing: topic[start..<i]))
            start = i + 1
        }
        parts.append(UnsafeRawBufferPointer(rebasing: topic[start..<topic.count]))
        guard parts.count == 3 else {
            return .failure(TopicError("expected {gateway}/{device}/{kind} after the prefix, found \(parts.count) level(s)"))
        }
        let kindText = String(decoding: parts[2], as: UTF8.self)
        guard let kind = Kind(rawValue: kindText) else {
            return .failure(TopicError("unknown kind '\(kindText.prefix(64))' (expected telemetry, event or status)"))
        }
        guard parts[0].count <= 64, Identifier.isValid(parts[0]) else {
            return .failure(TopicError("gateway id must match [A-Za-z0-9._-]{1,64}"))
        }
        if kind == .status {
            guard parts[1].count == 1, parts[1][0] == UInt8(ascii: "_") else {
                return .failure(TopicError("status topics use '_' as the device"))
            }
        } else if !(parts[1].count <= 64 && Identifier.isValid(parts[1])) {
            return .failure(TopicError("device id must match [A-Za-z0-9._-]{1,64}"))
        }
        return .success(Topic(gateway: String(decoding: parts[0], as: UTF8.self),
                              device: String(decoding: parts[1], as: UTF8.self), kind: kind))
    }

    public static func parse(_ topic: String, prefix: String) -> Result<Topic, TopicError> {
        var t = topic
        return t.withUTF8 { parse(UnsafeRawBufferPointer($0), prefix: Array(prefix.utf8)) }
    }
}

extension Identifier {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isValidByte)
    }
}

public struct TopicError: Error, Sendable, Equatable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}
