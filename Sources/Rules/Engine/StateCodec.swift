import Ingest
import DeviceCatalog
import Domain

/// The persisted form of a device's rule state: a compact little-endian byte string, written
/// with each commit for every device whose state moved, and read back at startup.
///
/// Rule phases are keyed by rule id and alarms by family name, and windows carry the hash of
/// the slot layout they were written under, so state written by one version of the packs can be
/// read by another: what still exists keeps its state.
enum StateCodec {
    /// 2: alarms carry their Chinese message (empty: none). Version 1 is still read.
    static let version: UInt8 = 2

    static func encode(_ s: DeviceRuleState) -> [UInt8] {
        var w = ByteWriter()
        w.u8(version)
        w.u64(s.program.signatureHash)
        w.i64(s.lastTs ?? .min)
        w.i64(s.lastArrival)
        w.u32(UInt32(s.values.count))
        for v in s.values { w.f64(v) }
        let strings = s.strings.enumerated().filter { $0.element != nil }
        w.u32(UInt32(strings.count))
        for (i, v) in strings { w.u32(UInt32(i)); w.str(v!) }
        w.u32(UInt32(s.slots.count))
        for v in s.slots { w.f64(v) }
        let phases = s.phases.enumerated().filter { $0.element != RulePhase() }
        w.u32(UInt32(phases.count))
        for (i, p) in phases {
            w.str(s.program.rules[i].id)
            w.u8(p.phase.rawValue)
            w.i64(p.since)
            w.i64(p.clearSince ?? .min)
            w.u8(p.held ? 1 : 0)
        }
        let alarms = s.openAlarms
        w.u32(UInt32(alarms.count))
        for a in alarms {
            w.i64(a.id)
            for t in [a.rule, a.family, a.pack, a.severity.rawValue, a.state.rawValue, a.message, a.inputs, a.messageZh ?? ""] { w.str(t) }
            for v in [a.startedAt, a.firedAt ?? .min, a.lastAt, Int64(a.repeats), a.incidentId ?? .min] { w.i64(v) }
        }
        return w.bytes
    }

    /// Fills `s` (freshly created for the device's current program) from `bytes`. Returns false
    /// for bytes it cannot read, in which case the device starts with empty state.
    static func decode(_ bytes: [UInt8], into s: DeviceRuleState, layouts: [UInt64: [String: Range<Int>]]) -> Bool {
        var r = ByteReader(bytes)
        guard let written = r.u8(), written == 1 || written == version, let layoutHash = r.u64(), let lastTs = r.i64(), let lastArrival = r.i64(),
              let nValues = r.u32() else { return false }
        // Read at their exact size: kept as the device's arrays, which `append` would leave with
        // up to twice the room (85 MB of slots at 100 k devices).
        guard let values = r.f64s(Int(nValues)) else { return false }
        guard let nStrings = r.u32() else { return false }
        var strings: [(Int, String)] = []
        for _ in 0..<nStrings { guard let i = r.u32(), let v = r.str() else { return false }; strings.append((Int(i), v)) }
        guard let nSlots = r.u32() else { return false }
        guard let slots = r.f64s(Int(nSlots)) else { return false }
        guard let nPhases = r.u32() else { return false }
        var phases: [(String, RulePhase)] = []
        for _ in 0..<nPhases {
            guard let id = r.str(), let raw = r.u8(), let phase = RulePhase.Phase(rawValue: raw), let since = r.i64(),
                  let clearSince = r.i64(), let held = r.u8() else { return false }
            phases.append((id, RulePhase(since: since, clearSince: clearSince == .min ? nil : clearSince, phase: phase, held: held == 1)))
        }
        guard let nAlarms = r.u32() else { return false }
        var alarms: [Alarm] = []
        for _ in 0..<nAlarms {
            guard let id = r.i64(), let rule = r.str(), let family = r.str(), let pack = r.str(),
                  let severity = r.str().flatMap(Severity.init), let state = r.str().flatMap(Alarm.State.init),
                  let message = r.str(), let inputs = r.str(), let messageZh = written == 1 ? "" : r.str(), let startedAt = r.i64(), let firedAt = r.i64(),
                  let lastAt = r.i64(), let repeats = r.i64(), let incident = r.i64() else { return false }
            alarms.append(Alarm(id: id, deviceNum: s.num, device: s.device.id, type: s.program.type.id, site: s.device.site,
                                firm: s.device.firm, rule: rule, family: family, pack: pack, severity: severity, state: state,
                                startedAt: startedAt, firedAt: firedAt == .min ? nil : firedAt, resolvedAt: nil,
                                repeats: Int(repeats), lastAt: lastAt, message: message,
                                messageZh: messageZh.isEmpty ? nil : messageZh, inputs: inputs, incidentId: incident == .min ? nil : incident))
        }
        // Values are by field position of the type; a type whose fields changed starts afresh.
        if values.count == s.values.count { s.values = values }
        if !strings.isEmpty, s.strings.count < s.values.count { s.strings = Array(repeating: nil, count: s.values.count) }
        for (i, v) in strings where i < s.strings.count { s.strings[i] = v }
        let program = s.program
        if layoutHash == program.signatureHash, slots.count == s.slots.count {
            s.slots = slots
        } else if let old = layouts[layoutHash] {
            for (key, range) in program.layout.keyedRanges {
                guard let from = old[key], from.count == range.count, from.upperBound <= slots.count else { continue }
                s.slots[range] = slots[from]
            }
        }
        for (id, p) in phases {
            guard let i = program.rules.firstIndex(where: { $0.id == id }) else { continue }
            s.phases[i] = p
        }
        s.active = s.phases.filter { $0.phase != .idle }.count
        for a in alarms {
            guard let f = program.families.firstIndex(of: a.family) else { continue }
            s[alarm: f] = a
        }
        s.lastTs = lastTs == .min ? nil : lastTs
        s.lastArrival = lastArrival
        return true
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func str(_ s: String) { u32(UInt32(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
}

struct ByteReader {
    private let bytes: [UInt8]
    private var at = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func u64() -> UInt64? {
        guard at + 8 <= bytes.count else { return nil }
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[at + i]) }
        at += 8
        return v
    }
    mutating func u32() -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(bytes[at + i]) }
        at += 4
        return v
    }
    mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    mutating func f64() -> Double? { u64().map(Double.init(bitPattern:)) }
    /// `n` doubles in an array of exactly that capacity; nil when fewer are left.
    mutating func f64s(_ n: Int) -> [Double]? {
        guard n >= 0, n <= (bytes.count - at) / 8 else { return nil }
        return [Double](unsafeUninitializedCapacity: n) { buffer, count in
            for i in 0..<n { buffer[i] = f64()! }
            count = n
        }
    }
    mutating func str() -> String? {
        guard let n = u32(), at + Int(n) <= bytes.count else { return nil }
        defer { at += Int(n) }
        return String(decoding: bytes[at..<at + Int(n)], as: UTF8.self)
    }
}
