import Domain
import DeviceCatalog

/// A device type's maintenance policy (`Devices/types`, SPEC §11) in the planner's terms:
/// durations in milliseconds, counters resolved to field positions, fault codes as a set, so
/// checking a message parses no text and looks nothing up by name.
///
/// A class, immutable: every planner slot of the type refers to one plan. As a struct it was
/// copied into each slot, about 130 bytes a device (13 MB at 100 k devices).
public final class TypePlan: Sendable {
    /// A monotonic usage counter reported in telemetry.
    public struct Counter: Sendable {
        public let name: String
        public let position: Int
        /// Usage since the last maintenance that makes maintenance due (on-demand regime only).
        public let threshold: Double?
        /// Where the counter wraps to zero: the upper bound of its declared range.
        public let wrapAt: Double?
        /// A decrease of at most this much is no change (`counter_readings.tolerance`).
        public let tolerance: Double
        /// A drop to this or below is a restart from zero (`counter_readings.reset_below`).
        public let resetBelow: Double
    }

    /// Repeated faults: `count` events with one of `codes` within `windowMs` make maintenance due.
    public struct Faults: Sendable {
        public let codes: Set<String>
        public let count: Int
        public let windowMs: Int64
    }

    /// Which devices may use on-demand maintenance: the firm's licence and the device's record.
    public struct Eligibility: Sendable {
        let maxSilenceMs: Int64
        public let windowMs: Int64
        /// nil: any firm.
        let firmGrades: Set<String>?
        /// A valid liability insurance policy is one of the conditions.
        var requiresInsurance = false
    }

    public let type: String
    let fixedIntervalMs: Int64
    /// Lead time of a `maintenance_due` notice: the work must be done within this after it.
    public let deadlineMs: Int64
    /// The on-demand regime's calendar cap; nil when the type has only the fixed regime.
    let calendarCapMs: Int64?
    /// The on-demand regime's calendar period instead of a rolling cap (the Shenzhen rule).
    let calendarPeriod: CalendarPeriod?
    /// Item tiers with their own cycles, by name, sorted.
    public let tiers: [(name: MaintenanceTier, fixedMs: Int64, period: CalendarPeriod)]
    public let counters: [Counter]
    public let faults: Faults?
    public let eligibility: Eligibility?

    /// nil when the type declares no maintenance policy. Durations were checked when the type
    /// was loaded, so an unparsable one cannot reach here.
    public init?(type: DeviceType) {
        guard let m = type.maintenance else { return nil }
        func ms(_ text: String?) -> Int64? { text.flatMap(Interval.init(parsing:))?.milliseconds }
        self.type = type.id
        fixedIntervalMs = ms(m.fixed.interval) ?? 15 * 86_400_000
        deadlineMs = ms(m.deadline) ?? 0
        calendarCapMs = m.on_demand.flatMap { ms($0.calendar_cap) }
        calendarPeriod = m.on_demand?.calendar_period
        // Tier names were checked against `MaintenanceTier` when the type was loaded.
        tiers = (m.tiers ?? [:]).sorted { $0.key < $1.key }.compactMap { name, t in
            guard let tier = MaintenanceTier(rawValue: name), let fixed = ms(t.fixed) else { return nil }
            return (tier, fixed, t.on_demand)
        }
        let usage = m.on_demand?.usage ?? [:]
        counters = type.counters.compactMap { name in
            guard let position = type.fieldPosition(name) else { return nil }
            return Counter(name: name, position: position, threshold: usage[name], wrapAt: type.fields[position].range?.upperBound,
                           tolerance: m.counter_readings?.tolerance ?? 0, resetBelow: m.counter_readings?.reset_below ?? 0)
        }
        faults = m.on_demand?.faults.flatMap { f in
            ms(f.window).map { Faults(codes: Set(f.codes), count: max(1, f.count), windowMs: $0) }
        }
        eligibility = m.on_demand?.eligibility.flatMap { e in
            guard let silence = ms(e.max_silence), let window = ms(e.window) else { return nil }
            return Eligibility(maxSilenceMs: silence, windowMs: window, firmGrades: e.firm_grades.map(Set.init),
                               requiresInsurance: e.insurance ?? false)
        }
    }

    var hasOnDemand: Bool { calendarCapMs != nil || calendarPeriod != nil }
}
