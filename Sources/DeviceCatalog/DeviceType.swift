import Domain

/// The declared shape of one kind of special equipment, loaded from `Devices/types/{type}.yaml`.
///
/// Everything the pipeline checks a message against comes from here: which telemetry fields
/// exist, their types and physical ranges, which event codes a controller may send, and which
/// registry attributes a device of this type carries. Policies for later stages (maintenance,
/// inspection, consequence) are carried along as data.
///
/// A class: every message is checked against its type, and copying a struct of this many
/// reference-counted fields per message showed up in profiles of the ingest worker.
public final class DeviceType: Sendable {
    /// The type's id (`elevator`, `boiler`...): topics, rules and the fleet name it.
    public let id: String
    /// What the type is, for people.
    public let description: String
    /// Declared telemetry fields, in file order (the order readings are stored in).
    public let fields: [FieldSpec]
    /// Event codes a controller may send, by code.
    public let events: [String: EventSpec]
    /// Registry attributes a device of this type carries, by name.
    public let attributes: [String: AttributeSpec]
    /// When true, undeclared telemetry fields are stored as-is instead of being dead-lettered.
    public let allowsExtraFields: Bool
    /// Names of monotonic usage counters among `fields` (runs, door cycles, running hours...).
    public let counters: [String]
    /// Maintenance regimes (nil: the type is not maintained on a cycle).
    public let maintenance: MaintenancePolicy?
    /// Statutory inspection kinds and their schedules.
    public let inspections: [InspectionPolicy]
    /// Consequence inputs of the risk model specific to the type.
    public let consequence: [String: Double]
    /// The trapped-passenger rescue deadline (elevators), when the type has one.
    public let rescue: RescuePolicy?
    /// Registry attributes expected to follow from others (a boiler's safety valve set pressures
    /// from its working pressure): checked at import, a warning when they differ.
    public let attributeChecks: [AttributeCheck]
    /// Traced through fills (gas cylinders): a device is not bound to one gateway; any gateway of
    /// a filling station may report its fills, and the pipeline checks each fill.
    public let tracedByFills: Bool
    /// The certificate items a filler must hold (gas cylinders: `P` 气瓶充装); a fill by anyone
    /// else is stored and flagged, never refused (the fill happened).
    public let fillerCertificates: [CertificateItem]
    /// The design service life by construction and medium, where the registry gives none.
    public let serviceLife: ServiceLife?
    /// The equipment category codes (特种设备目录) a registration code of this type begins with
    /// (elevators 31..34, boilers 1...): a code that begins otherwise is a warning at import.
    let codePrefixes: [String]

    /// Field positions and event codes, looked up by `String` or by raw bytes (the ingest
    /// worker's byte-level reader).
    public let fieldKeys: ByteKeyTable
    /// Event codes, looked up by bytes (positions in `eventCodes`).
    public let eventKeys: ByteKeyTable
    /// Declared event codes; `eventKeys` gives positions in it (the message keeps this very
    /// string, so a valid event allocates no code).
    public let eventCodes: [String]
    /// The fields (below the 64th) with a normal band, by position: what the normal-band check
    /// reads per message, without visiting every field.
    public let normalBands: [NormalBand]

    public init(
        id: String, description: String, fields: [FieldSpec], events: [String: EventSpec],
        attributes: [String: AttributeSpec], allowsExtraFields: Bool, counters: [String],
        maintenance: MaintenancePolicy?, inspections: [InspectionPolicy], consequence: [String: Double],
        rescue: RescuePolicy? = nil, attributeChecks: [AttributeCheck] = [], tracedByFills: Bool = false,
        serviceLife: ServiceLife? = nil, codePrefixes: [String] = [], fillerCertificates: [CertificateItem] = []
    ) {
        self.fillerCertificates = fillerCertificates
        (self.id, self.description, self.fields, self.events, self.attributes) = (id, description, fields, events, attributes)
        (self.allowsExtraFields, self.counters, self.maintenance) = (allowsExtraFields, counters, maintenance)
        (self.inspections, self.consequence, self.rescue) = (inspections, consequence, rescue)
        (self.attributeChecks, self.tracedByFills, self.serviceLife) = (attributeChecks, tracedByFills, serviceLife)
        self.codePrefixes = codePrefixes
        fieldKeys = ByteKeyTable(fields.map(\.name))
        eventCodes = events.keys.sorted()
        eventKeys = ByteKeyTable(eventCodes)
        normalBands = fields.indices.compactMap { i in
            fields[i].normal.flatMap { i < 64 ? NormalBand(field: i, low: $0.lowerBound, high: $0.upperBound) : nil }
        }
    }

    /// Position of a declared field in `fields`, so hot paths carry an index, not a name.
    public func fieldPosition(_ name: String) -> Int? { fieldKeys.value(for: name) }
}

/// How soon a firm must reach trapped passengers (TSG T5002-2017: 30 minutes in municipalities
/// and cities divided into districts, 1 hour elsewhere): by the level of the site's district,
/// overridden by a site's own `rescue_within`; the type's `within` where the district is not known.
public struct RescuePolicy: Sendable, Hashable {
    /// The deadline where the site's district is not known.
    public let withinMs: Int64
    /// Deadlines by city, where a city sets its own.
    public let cityMs: [String: Int64]
    let levelMs: [DistrictLevel: Int64]

    public init(withinMs: Int64, cityMs: [String: Int64] = [:], levelMs: [DistrictLevel: Int64] = [:]) {
        (self.withinMs, self.cityMs, self.levelMs) = (withinMs, cityMs, levelMs)
    }

    /// The deadline at `site`: its own, else its district level's, else its city's, else the type's.
    public func withinMs(at site: Site?) -> Int64 {
        if let text = site?.rescueWithin, let i = Interval(parsing: text), i.milliseconds > 0 { return i.milliseconds }
        if let level = site?.districtLevel, let ms = levelMs[level] { return ms }
        if let city = site?.city, let ms = cityMs[city] { return ms }
        return withinMs
    }
}

/// A field's normal band (`normal: [lo, hi]`), by the field's position.
public struct NormalBand: Sendable {
    public let field: Int
    public let low: Double
    public let high: Double
}

/// A telemetry field: its value type, unit, the physically possible range (outside it a reading
/// is rejected as `out_of_range`), and optionally the normal operating band (outside it the
/// reading is accepted and an event is raised). A class for the same reason as `DeviceType`.
public final class FieldSpec: Sendable {
    /// The value type a field declares: number, integer, boolean, text or one of an enumeration.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case number, int, bool, string
        case enumeration = "enum"
    }

    /// The field's name in a message's `data`.
    public let name: String
    /// Its value type.
    public let kind: Kind
    /// Its unit (`m/s`, `MPa`...).
    public let unit: String?
    /// The physically possible range: outside it a reading is an `out_of_range` dead letter.
    public let range: ClosedRange<Double>?
    /// The normal operating band: outside it the reading is stored and an `out_of_normal_band` event raised.
    public let normal: ClosedRange<Double>?
    /// Allowed values of an `enum` field.
    public let values: [String]
    /// What it measures, for people.
    public let description: String?
    /// Computed by the pipeline from the registry (a fill's station and its check), never sent
    /// by a gateway: a message carrying it is a `schema` dead letter.
    public let derived: Bool

    public init(name: String, kind: Kind, unit: String? = nil, range: ClosedRange<Double>? = nil,
                normal: ClosedRange<Double>? = nil, values: [String] = [], description: String? = nil, derived: Bool = false) {
        (self.name, self.kind, self.unit, self.range, self.normal, self.values) = (name, kind, unit, range, normal, values)
        (self.description, self.derived) = (description, derived)
    }
}

/// A discrete controller event or fault code.
public struct EventSpec: Sendable, Hashable {
    /// The code a controller sends.
    public let code: String
    /// How serious the event is (a severity name).
    public let severity: String
    /// What it means, for people.
    public let description: String?
}

/// A registry attribute of devices of a type (rated speed, design pressure, design life...).
public struct AttributeSpec: Sendable, Hashable {
    /// The attribute's name in the fleet file.
    public let name: String
    /// Its value type.
    public let kind: FieldSpec.Kind
    /// Its unit.
    public let unit: String?
    /// The range a value must lie in.
    public let range: ClosedRange<Double>?
    /// Allowed values of an `enum` attribute.
    public let values: [String]
    /// Every device of the type must give it.
    public let required: Bool
}

/// Fixed and on-demand maintenance regimes (SPEC §11); evaluated by the maintenance planner.
public struct MaintenancePolicy: Sendable, Hashable, Decodable {
    /// A fixed maintenance interval (TSG T5002: every 15 days for an elevator on the fixed regime).
    public struct Fixed: Sendable, Hashable, Decodable {
        /// The interval (`15d`).
        public let interval: String
    }
    /// On-demand maintenance: the usage counters and limits that make maintenance due, and the
    /// calendar ceiling.
    public struct OnDemand: Sendable, Hashable, Decodable {
        /// A rolling limit since the last maintenance (`30d`), or
        public let calendar_cap: String?
        /// a calendar period that must hold one maintenance (the Shenzhen rule: `month`).
        public let calendar_period: CalendarPeriod?
        /// Counter name → increment since the last maintenance that makes maintenance due.
        public let usage: [String: Double]?
        /// Faults that bring maintenance forward.
        public let faults: Faults?
        /// Who may use the on-demand regime.
        public let eligibility: Eligibility?
    }
    /// How many faults within what window bring maintenance forward.
    public struct Faults: Sendable, Hashable, Decodable {
        /// The event codes counted as faults.
        public let codes: [String]
        /// How many of them...
        public let count: Int
        /// ...within this window (`30d`).
        public let window: String
    }
    /// On-demand eligibility (SPEC §11): monitoring healthy (no silence beyond `max_silence`
    /// within `window`), a valid inspection, and a firm whose licence grade is listed.
    public struct Eligibility: Sendable, Hashable, Decodable {
        /// The longest monitoring silence allowed...
        public let max_silence: String
        /// ...within this window.
        public let window: String
        /// Licence grades that keep a firm eligible (DOMAIN.md: not graded C or lower).
        public let firm_grades: [String]?
        /// A valid liability insurance policy is required (国市监特设〔2020〕56号: one of the
        /// conditions of on-demand maintenance).
        public let insurance: Bool?
    }
    /// How a usage counter that goes down is read (SPEC §11: counters from telemetry totals).
    public struct CounterReadings: Sendable, Hashable, Decodable {
        /// A decrease of at most this much is rounding or jitter: no change, nothing counted.
        public let tolerance: Double
        /// A drop to this value or below is a restarted counter (a new controller counts from
        /// zero): the new value counts as usage. Any other decrease re-bases the counter
        /// without counting (a `counter_rebased` event), so a gateway or simulator restart that
        /// reports an older total never looks like a lifetime of usage.
        public let reset_below: Double
    }
    /// Item lists beyond the routine ones (TSG T5002-2017: quarterly, half-yearly, yearly), each
    /// with its own cycle in both regimes: an interval in the fixed regime, a calendar period
    /// in the on-demand one. A completion says which tiers it covered.
    public struct Tier: Sendable, Hashable, Decodable {
        /// The tier's interval in the fixed regime (`90d`).
        public let fixed: String
        /// Its calendar period in the on-demand regime (`quarter`).
        public let on_demand: CalendarPeriod
    }
    /// The fixed regime (every type that is maintained has one).
    public let fixed: Fixed
    /// The certificate items of which a worker must hold a valid one to sign a maintenance
    /// record (elevators: `T` 电梯修理, TSG Z6001-2019); none listed: no certificate asked.
    public let worker_certificates: [CertificateItem]?
    /// The on-demand regime, for eligible devices (nil: none).
    public let on_demand: OnDemand?
    /// By tier name (`quarterly`, `half_yearly`, `yearly`); the routine items (`half_monthly`
    /// for elevators) are the main cycle, covered by every completion.
    public let tiers: [String: Tier]?
    /// Required when the type declares counters.
    public let counter_readings: CounterReadings?
    /// How long after a `maintenance_due` notice the work must be done before it is overdue.
    public let deadline: String?
}

/// One statutory inspection kind (SPEC §12), e.g. a boiler's external, internal and hydrostatic
/// inspections. Exactly which schedule fields apply depends on the regulation.
public struct InspectionPolicy: Sendable, Hashable, Decodable {
    /// The inspection kind's id (`periodic`, `external`, `internal`...).
    public let kind: String
    /// Its name in Chinese (定期检验, 自行检测), for notices and reasons read in Chinese.
    public let name_zh: String?
    /// The regulation the schedule comes from (`TSG T7001-2023`).
    public let regulation: String?
    /// A fixed interval in years.
    public let every_years: Int?
    /// The first inspection within this many years of commissioning...
    public let first_within_years: Int?
    /// Years of service in which the inspection falls (elevators: 1, 4, 7, 9, 11, 13, 15).
    public let in_service_years: [Int]?
    /// ...then every this many years.
    public let then_every_years: Int?
    /// Interval in years by inspection safety grade (element 0 is grade 1); 0 means the device
    /// must not be used.
    public let by_grade: [Int]?
    /// Interval sequence in years by the value of a registry attribute (e.g. gas category).
    public let by_attribute: ByAttribute?
    /// Kinds whose inspection also counts as this one (an elevator's periodic inspection is that
    /// year's self-test): the interval runs from the latest of them, and while one of them falls
    /// due no later than this kind would, this kind is not separately due.
    public let covered_by: [String]?
    /// The kind with an `in_service_years` schedule whose *other* service years this kind
    /// fills: an elevator's self-test (自行检测, TSG T7008-2023) falls in each service year
    /// without a periodic inspection (TSG T7001-2023), none once that inspection is yearly.
    public let in_years_without: String?
    /// With a service-year schedule: how many months before its anniversary the inspection of a
    /// year may be done (TSG T7001-2023: at most 2 months early, the next date unchanged). One
    /// done earlier in the year counts as a late one for the year before.
    public let early_months: Int?
    /// A safety grade allowed only for a limited time in all (pressure vessels: grade 4 is
    /// monitored use, at most 3 years in all, TSG 21-2016), counted from the first day of
    /// that grade or worse until a better grade is recorded.
    public let limited_grade: LimitedGrade?
    /// Who performs it: `owner` (an elevator's self-test, TSG T7008-2023: the owner's duty, done
    /// by the owner or a body it engages), else an inspection body. The inspection plan books only
    /// the inspection body's, and lists the owners'.
    public let performed_by: String?
    /// The schedule could not be confirmed against the regulation's text in force
    /// (docs/domain.md lists every such entry).
    public let confirm: Bool?

    /// A safety grade allowed for a limited time only (a pressure vessel's grade 4), with the time.
    public struct LimitedGrade: Sendable, Hashable, Decodable {
        /// The grade (`4`)...
        public let grade: Int
        /// ...allowed for at most this many years in all.
        public let max_years: Int
    }

    /// An inspection interval that depends on a device attribute (its value picks the interval).
    public struct ByAttribute: Sendable, Hashable, Decodable {
        /// The registry attribute whose value picks the interval.
        public let attribute: String
        /// Interval sequences in years by the attribute's value.
        public let years: [String: [Int]]
    }
}

extension DeviceType {
    /// The Chinese name of inspection `kind` as the type declares it (`name_zh`), else the kind.
    public func inspectionNameZh(_ kind: String) -> String {
        inspections.first { $0.kind == kind }?.name_zh ?? kind
    }
}
