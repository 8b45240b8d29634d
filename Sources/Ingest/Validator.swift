import Domain
import DeviceCatalog

/// Limits that bound what the validator accepts; all come from configuration.
public struct IngestLimits: Sendable {
    public var maxPayloadBytes: Int
    /// A reading whose `ts` is further ahead of the pipeline's clock than this is `future`.
    public var futureToleranceMs: Int64
    /// A reading older than this (by the pipeline's clock) is `stale`.
    public var maxAgeMs: Int64
    /// Dead letters keep at most this many payload bytes.
    public var deadLetterPayloadCap: Int
    /// A gateway batch (JSON array) with more elements than this is refused whole (`too_large`):
    /// it bounds the work, and the delay to other gateways, one message can cause.
    public var maxBatchElements: Int

    public init(maxPayloadBytes: Int = 65_536, futureToleranceMs: Int64 = 300_000,
                maxAgeMs: Int64 = 7 * 86_400_000, deadLetterPayloadCap: Int = 4096, maxBatchElements: Int = 1000) {
        (self.maxBatchElements, self.maxPayloadBytes) = (maxBatchElements, maxPayloadBytes)
        (self.futureToleranceMs, self.maxAgeMs, self.deadLetterPayloadCap) = (futureToleranceMs, maxAgeMs, deadLetterPayloadCap)
    }
}

/// Checks inbound messages against the topic contract and the device registry (SPEC §2).
///
/// Pure: the caller supplies the bytes, the clock reading and the registry snapshot; results are
/// appended to an `IngestOutput`. A gateway batch (JSON array) is checked element by element:
/// valid elements are accepted, so one bad reading never costs the good ones beside it, and the
/// bad ones together make one dead letter for the message (their count and first reasons), so a
/// message never turns into more rows than it had.
public struct Validator: Sendable {
    public let prefix: [UInt8]
    public let limits: IngestLimits

    public init(prefix: String, limits: IngestLimits) {
        self.prefix = Array(prefix.utf8)
        self.limits = limits
    }

    /// Checks one message from its raw bytes (topic, registry, binding, JSON, schema, ranges, time)
    /// and appends what it accepted or the dead letter to `out`.
    public func validate(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
                         directory: DeviceDirectory, into out: inout IngestOutput) {
        if acceptFast(topic: topic, payload: payload, receivedAt: receivedAt, directory: directory, into: &out) { return }
        validateGenerally(topic: topic, payload: payload, receivedAt: receivedAt, directory: directory, into: &out)
    }

    /// The general path: every message the fast path is not sure of, and every rejection with
    /// its reason.
    func validateGenerally(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
                           directory: DeviceDirectory, into out: inout IngestOutput) {
        var rejection = Rejection(topic: topic, payload: payload, receivedAt: receivedAt, cap: limits.deadLetterPayloadCap)
        guard payload.count <= limits.maxPayloadBytes else {
            return out.deadLetters.append(rejection.make(.tooLarge, "payload of \(payload.count) bytes exceeds the limit of \(limits.maxPayloadBytes)"))
        }
        let t: Topic
        switch Topic.parse(topic, prefix: prefix) {
        case .success(let parsed): t = parsed
        case .failure(let e): return out.deadLetters.append(rejection.make(.badTopic, e.reason))
        }
        rejection.gateway = t.gateway
        if t.kind == .status {
            return status(t, payload, receivedAt, directory, &rejection, &out)
        }
        rejection.device = t.device
        guard let entry = directory.entry(t.device) else {
            return out.deadLetters.append(rejection.make(.unknownDevice, "device '\(t.device)' is not registered"))
        }
        let type = directory.type(of: entry)
        // A cylinder is filled wherever a licensed station holds it: any station's gateway may
        // speak for it (the fill check judges the licence). Everything else speaks only through
        // the gateway it is bound to.
        let station = type.tracedByFills ? directory.stationIndex(gateway: t.gateway) : nil
        guard entry.gateway == t.gateway || station != nil else {
            return out.deadLetters.append(rejection.make(.gatewayNotBound, type.tracedByFills
                ? "gateway '\(t.gateway)' belongs to no filling station, and device '\(t.device)' is registered at another gateway"
                : "device '\(t.device)' is bound to another gateway, not '\(t.gateway)'"))
        }
        let json: JSONValue
        do { json = try JSONReader.parse(payload) } catch {
            return out.deadLetters.append(rejection.make(.malformedJSON, error.description))
        }
        switch json {
        case .object:
            switch check(json, payload, t.kind, entry, type, receivedAt, station, &out) {
            case .success(let m): out.accepted.append(m)
            case .failure(let f): out.deadLetters.append(rejection.make(f.reason, f.detail))
            }
        case .array(let items) where items.count > limits.maxBatchElements:
            out.deadLetters.append(rejection.make(.tooLarge, "batch of \(items.count) elements exceeds the limit of \(limits.maxBatchElements)"))
        case .array(let items) where !items.isEmpty:
            // The count of bad elements, and the first few with their reasons.
            var rejected = 0
            var first: [(index: Int, failure: Failure)] = []
            for (i, item) in items.enumerated() {
                switch check(item, payload, t.kind, entry, type, receivedAt, station, &out) {
                case .success(let m): out.accepted.append(m)
                case .failure(let f):
                    rejected += 1
                    if first.count < Self.reasonsKept { first.append((i, f)) }
                }
            }
            guard let reason = first.first?.failure.reason else { break }
            let shown = first.map { "[\($0.index)] \($0.failure.detail)" }.joined(separator: "; ")
            out.deadLetters.append(rejection.make(reason, "\(rejected) of \(items.count) elements rejected, the others accepted: \(shown)"
                                                  + (rejected > first.count ? "; ..." : "")))
        case .array:
            out.deadLetters.append(rejection.make(.schema, "empty batch"))
        default:
            out.deadLetters.append(rejection.make(.schema, "payload must be an object or an array of objects, not \(json.typeName)"))
        }
    }

    /// How many element reasons a batch's dead letter names.
    static let reasonsKept = 5

    private struct Failure: Error {
        let reason: DeadLetterReason
        let detail: String
        init(_ reason: DeadLetterReason, _ detail: String) { self.reason = reason; self.detail = detail }
    }

    /// Checks one object. `payload` is the parsed input: accepted `data` is stored as the bytes
    /// received (validated, not re-serialised), which is also the faithful record for an audit.
    private func check(_ v: JSONValue, _ payload: UnsafeRawBufferPointer, _ kind: Topic.Kind, _ entry: DirectoryEntry,
                       _ type: DeviceType, _ receivedAt: Int64, _ station: Int?, _ out: inout IngestOutput) -> Result<AcceptedMessage, Failure> {
        guard case .object(let members) = v else { return .failure(Failure(.schema, "expected an object, found \(v.typeName)")) }
        var ts: Int64?
        var seq: UInt64?
        var data: JSONValue?
        var dataRange: Range<Int>?
        var code: String?
        for m in members {
            switch m.key {
            // Each value is set only once it is valid, so a set value means the key came before.
            case "ts" where ts != nil, "seq" where seq != nil, "data" where data != nil, "code" where code != nil:
                return .failure(Failure(.schema, "duplicate key '\(m.key)'"))
            case "ts":
                switch m.value {
                case .int(let ms) where ms >= 0: ts = ms
                case .string(let s):
                    guard let ms = Timestamp.parseRFC3339(s) else { return .failure(Failure(.schema, "ts '\(s.prefix(40))' is not an RFC 3339 date-time")) }
                    ts = ms
                default: return .failure(Failure(.schema, "ts must be an RFC 3339 string or non-negative epoch milliseconds"))
                }
            case "seq":
                switch m.value {
                case .int(let s) where s >= 0: seq = UInt64(s)
                case .double:
                    // Beyond Int64 the reader gives a double; seq is unsigned 64-bit (SPEC §2), so
                    // read the digits exactly as they were sent.
                    let digits = String(decoding: UnsafeRawBufferPointer(rebasing: payload[Int(m.valueStart)..<Int(m.valueEnd)]), as: UTF8.self)
                    guard let s = UInt64(digits) else { return .failure(Failure(.schema, "seq must be an integer from 0 to 18446744073709551615")) }
                    seq = s
                default: return .failure(Failure(.schema, "seq must be an integer from 0 to 18446744073709551615"))
                }
            case "data":
                guard case .object = m.value else { return .failure(Failure(.schema, "data must be an object")) }
                data = m.value
                dataRange = Int(m.valueStart)..<Int(m.valueEnd)
            case "code" where kind == .event:
                guard case .string(let c) = m.value else { return .failure(Failure(.schema, "code must be a string")) }
                code = c
            default:
                return .failure(Failure(.schema, "unknown field '\(m.key.prefix(64))'"))
            }
        }
        guard let ts else { return .failure(Failure(.schema, "missing ts")) }
        if ts > receivedAt + limits.futureToleranceMs {
            return .failure(Failure(.future, "ts \(Timestamp.format(ts)) is \((ts - receivedAt) / 1000) s ahead of the pipeline clock (tolerance \(limits.futureToleranceMs / 1000) s)"))
        }
        if ts < receivedAt - limits.maxAgeMs {
            return .failure(Failure(.stale, "ts \(Timestamp.format(ts)) is older than the accepted age of \(limits.maxAgeMs / 86_400_000) d"))
        }
        func dataText() -> JSONBytes { dataRange.map { out.jsonBytes(UnsafeRawBufferPointer(rebasing: payload[$0])) } ?? .emptyObject }
        switch kind {
        case .telemetry:
            guard let data else { return .failure(Failure(.schema, "missing data")) }
            switch telemetry(data, type) {
            case .success(let values):
                return .success(AcceptedMessage(deviceNum: entry.num, entryIndex: entry.index, kind: .telemetry, ts: ts, seq: seq,
                                                receivedAt: receivedAt, values: out.fieldValues(values), code: nil, data: dataText(),
                                                stationIndex: station))
            case .failure(let f):
                return .failure(f)
            }
        case .event:
            guard let code else { return .failure(Failure(.schema, "missing code")) }
            guard type.events[code] != nil else {
                return .failure(Failure(.schema, "event code '\(code.prefix(64))' is not declared for type '\(type.id)'"))
            }
            return .success(AcceptedMessage(deviceNum: entry.num, entryIndex: entry.index, kind: .event, ts: ts, seq: seq,
                                            receivedAt: receivedAt, values: FieldValues(), code: code, data: dataText(), stationIndex: station))
        case .status:
            return .failure(Failure(.badTopic, "status is not a device message"))
        }
    }

    private func telemetry(_ data: JSONValue, _ type: DeviceType) -> Result<[Scalar?], Failure> {
        guard case .object(let members) = data else { return .failure(Failure(.schema, "data must be an object")) }
        var values = [Scalar?](repeating: nil, count: type.fields.count)
        for m in members {
            guard let pos = type.fieldPosition(m.key) else {
                if type.allowsExtraFields { continue }
                return .failure(Failure(.schema, "field '\(m.key.prefix(64))' is not declared for type '\(type.id)'"))
            }
            guard values[pos] == nil else { return .failure(Failure(.schema, "duplicate field '\(m.key)'")) }
            let spec = type.fields[pos]
            if spec.derived {
                return .failure(Failure(.schema, "field '\(spec.name)' is filled in by the pipeline from the registry; a gateway does not send it"))
            }
            let value: Scalar
            switch (spec.kind, m.value) {
            case (.number, .int(let i)): value = .number(Double(i))
            case (.number, .double(let d)): value = .number(d)
            case (.int, .int(let i)): value = .number(Double(i))
            case (.bool, .bool(let b)): value = .bool(b)
            case (.string, .string(let s)): value = .string(s)
            case (.enumeration, .string(let s)):
                guard spec.values.contains(s) else {
                    return .failure(Failure(.outOfRange, "\(spec.name) '\(s.prefix(64))' is not one of \(spec.values.joined(separator: ", "))"))
                }
                value = .string(s)
            default:
                return .failure(Failure(.schema, "\(spec.name) must be \(spec.kind == .int ? "an integer" : spec.kind.rawValue), not \(m.value.typeName)"))
            }
            if case .number(let n) = value, let r = spec.range, !r.contains(n) {
                return .failure(Failure(.outOfRange, "\(spec.name) = \(formatNumber(n)) outside the physical range \(formatNumber(r.lowerBound))…\(formatNumber(r.upperBound))\(spec.unit.map { " " + $0 } ?? "")"))
            }
            values[pos] = value
        }
        return .success(values)
    }

    private func status(_ t: Topic, _ payload: UnsafeRawBufferPointer, _ receivedAt: Int64, _ directory: DeviceDirectory,
                        _ rejection: inout Rejection, _ out: inout IngestOutput) {
        guard directory.gateways.contains(t.gateway) else {
            return out.deadLetters.append(rejection.make(.unknownGateway, "gateway '\(t.gateway)' is not registered"))
        }
        // Last-will payloads are often bare words; JSON objects carry a time as well.
        let bare = String(decoding: payload, as: UTF8.self).trimmingCharactersASCII()
        if bare == "online" || bare == "offline" {
            return out.gatewayStatuses.append(GatewayStatus(gateway: t.gateway, online: bare == "online", at: receivedAt))
        }
        let json: JSONValue
        do { json = try JSONReader.parse(payload) } catch {
            return out.deadLetters.append(rejection.make(.malformedJSON, error.description))
        }
        guard case .string(let state) = json["state"] ?? .null, state == "online" || state == "offline" else {
            return out.deadLetters.append(rejection.make(.schema, "status needs state 'online' or 'offline'"))
        }
        var at = receivedAt
        if let ts = json["ts"] {
            switch ts {
            case .int(let ms): at = ms
            case .string(let s): at = Timestamp.parseRFC3339(s) ?? receivedAt
            default: break
            }
        }
        out.gatewayStatuses.append(GatewayStatus(gateway: t.gateway, online: state == "online", at: at))
    }
}

/// Builds dead letters for one inbound message, copying topic and payload only when needed.
private struct Rejection {
    let topic: UnsafeRawBufferPointer
    let payload: UnsafeRawBufferPointer
    let receivedAt: Int64
    let cap: Int
    var gateway: String?
    var device: String?

    init(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64, cap: Int) {
        (self.topic, self.payload, self.receivedAt, self.cap) = (topic, payload, receivedAt, cap)
    }

    /// The stored payload is the message as received up to the cap; beyond it, its first
    /// `cap` bytes and the SHA-256 of the whole.
    func make(_ reason: DeadLetterReason, _ detail: String) -> DeadLetter {
        let size = payload.count
        let bytes = Array(payload.prefix(cap))
        let hash = size > cap ? SHA256.hex(payload) : nil
        return DeadLetter(receivedAt: receivedAt, reason: reason, detail: detail,
                          topic: String(decoding: topic.prefix(1024), as: UTF8.self),
                          gateway: gateway, device: device, payload: bytes, payloadSize: size, payloadSHA256: hash)
    }
}

extension String {
    func trimmingCharactersASCII() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\r" || f == "\t" || f == "\"" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\r" || l == "\t" || l == "\"" { s.removeLast() }
        return String(s)
    }
}
