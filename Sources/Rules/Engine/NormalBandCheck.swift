import Domain
import DeviceCatalog
import Ingest

/// The built-in check: a telemetry value leaving the normal band declared for its field in
/// `Devices/types` (`normal: [lo, hi]`) raises `out_of_normal_band`; its return raises
/// `back_in_normal_band`. Transitions only, so a value that stays outside yields one event, not
/// one per reading.
///
/// State: one 64-bit mask per device (bit i: field i is outside its band). Fields beyond the
/// 64th are not watched; no shipped type comes near that many.
public final class NormalBandCheck: RuleHook {
    /// By the device's position in its directory, with its number (a reload moves positions).
    private var outside: [(num: Int64, mask: UInt64)] = []

    public init() {}

    /// Derives `out_of_normal_band` events for fields outside their type's normal band.
    public func evaluate(_ message: AcceptedMessage, device: DirectoryEntry, type: DeviceType, into out: inout RuleOutput) {
        guard message.kind == .telemetry else { return }
        let at = message.entryIndex
        if at >= outside.count { outside += Array(repeating: (0, 0), count: at + 1 - outside.count) }
        var mask = outside[at].num == message.deviceNum ? outside[at].mask : 0
        let before = mask
        for band in type.normalBands where band.field < message.values.count {
            guard case .number(let v)? = message.values[band.field] else { continue }
            let i = band.field
            let bit: UInt64 = 1 << UInt64(i)
            let isOutside = !(band.low...band.high).contains(v)
            let wasOutside = mask & bit != 0
            guard isOutside != wasOutside else { continue }
            mask ^= bit
            var w = JSONWriter()
            w.add("field", .string(type.fields[i].name))
            w.add("value", .number(v))
            w.add("normal_min", .number(band.low))
            w.add("normal_max", .number(band.high))
            out.events.append(DerivedEvent(deviceNum: message.deviceNum, ts: message.ts,
                              code: isOutside ? .outOfNormalBand : .backInNormalBand,
                              data: w.finish(), receivedAt: message.receivedAt))
        }
        if mask != before || outside[at].num != message.deviceNum { outside[at] = (message.deviceNum, mask) }
    }

    /// Takes the new registry (normal bands may depend on attributes).
    public func reload(directory: DeviceDirectory) {
        var masks: [Int64: UInt64] = [:]
        for o in outside where o.mask != 0 { masks[o.num] = o.mask }
        outside = directory.entries.map { ($0.num, masks[$0.num] ?? 0) }
    }
}
