import Domain
import DeviceCatalog

/// One registered device as the ingest path needs it: its store key, its gateway and its type.
/// A class, so looking one up per message copies a reference, not its strings and attributes.
public final class DirectoryEntry: Sendable {
    /// Position in `DeviceDirectory.entries` of the snapshot this entry belongs to.
    public let index: Int
    /// The device's integer key in the store (stable across reloads).
    public let num: Int64
    public let id: String
    public let gateway: String
    public let typeIndex: Int
    public let firm: String
    public let site: String
    /// The owner's (使用单位) id.
    public let owner: String
    public let attributes: [String: Scalar]
    /// Registry data the planners read (inspection dates, commissioning), not the ingest path.
    public let commissioned: Day
    public let lastInspections: [String: Day]
    public let inspectionGrade: Int?
    /// Inspection kinds whose latest result is a failure (must not be used until a pass).
    public let failedInspections: [String: Day]
    /// Major hazards not yet closed (must not be used meanwhile).
    public let openHazards: [String: Day]
    /// Since when the device has had its current safety grade or worse (`DeviceRecord.gradeSince`).
    public let gradeSince: Day?
    /// The days its liability insurance policies cover (on-demand eligibility), oldest first.
    public let insured: [ClosedRange<Day>]

    init(index: Int, num: Int64, id: String, gateway: String, typeIndex: Int, firm: String, site: String, owner: String,
         attributes: [String: Scalar], commissioned: Day, lastInspections: [String: Day], inspectionGrade: Int?,
         failedInspections: [String: Day], openHazards: [String: Day], gradeSince: Day?, insured: [ClosedRange<Day>]) {
        (self.insured, self.owner) = (insured, owner)
        (self.index, self.num, self.id, self.gateway, self.typeIndex, self.firm) = (index, num, id, gateway, typeIndex, firm)
        (self.site, self.attributes, self.commissioned, self.lastInspections) = (site, attributes, commissioned, lastInspections)
        (self.inspectionGrade, self.failedInspections, self.openHazards) = (inspectionGrade, failedInspections, openHazards)
        self.gradeSince = gradeSince
    }
}

/// An immutable snapshot of the registry for validation; replaced whole on reload (SIGHUP),
/// so a message is always checked against one consistent registry.
public final class DeviceDirectory: Sendable {
    public let types: [DeviceType]
    public let entries: [DirectoryEntry]
    public let gateways: Set<String>
    /// Firms and sites by id: licence grades (on-demand eligibility), location categories and
    /// people exposed (risk consequence).
    public let firms: [String: Firm]
    public let sites: [String: Site]
    /// Licensed filling stations, and which station each of their gateways belongs to.
    public let stations: [FillingStation]
    /// Workers' certificates by number (fills name their filler's).
    public let certificates: [String: Certificate]
    private let typeIndex: [String: Int]
    /// Device ids and station gateways, looked up by `String` or by raw bytes (the ingest
    /// worker: no `String` per message).
    private let idKeys: ByteKeyTable
    private let stationGatewayKeys: ByteKeyTable

    public convenience init(types: [String: DeviceType], devices: [(num: Int64, record: DeviceRecord)], gateways: [String],
                            firms: [Firm] = [], sites: [Site] = [], stations: [FillingStation] = [],
                            certificates: [Certificate] = [], policies: [InsurancePolicy] = []) {
        let sortedTypes = types.values.sorted { $0.id < $1.id }
        var ti: [String: Int] = [:]
        for (i, t) in sortedTypes.enumerated() { ti[t.id] = i }
        var entries: [DirectoryEntry] = []
        entries.reserveCapacity(devices.count)
        // Devices of one model share their attributes, and a site's devices their gateway, firm,
        // site and often inspection dates: equal values share one copy (copy-on-write storage),
        // which at 100 k devices is most of the directory's memory.
        var shared = Interned()
        // Cover by (owner, type) for fleet policies, by device for the others: devices of one
        // owner and type share one array.
        var fleetCover: [String: [ClosedRange<Day>]] = [:]
        var deviceCover: [String: [ClosedRange<Day>]] = [:]
        for p in policies.sorted(by: { $0.validFrom < $1.validFrom }) {
            if let device = p.device { deviceCover[device, default: []].append(p.validFrom...p.validTo) }
            else { for type in p.types { fleetCover[p.owner + "\u{1f}" + type, default: []].append(p.validFrom...p.validTo) } }
        }
        for (num, r) in devices {
            guard let t = ti[r.type] else { continue }
            var insured = fleetCover[r.owner + "\u{1f}" + r.type] ?? []
            if let own = deviceCover[r.id] { insured = (insured + own).sorted { $0.lowerBound < $1.lowerBound } }
            entries.append(DirectoryEntry(index: entries.count, num: num, id: r.id, gateway: shared.string(r.gateway), typeIndex: t,
                                          firm: shared.string(r.firm), site: shared.string(r.site), owner: shared.string(r.owner), attributes: shared.attributes(r.attributes),
                                          commissioned: r.commissioned, lastInspections: shared.days(r.lastInspections),
                                          inspectionGrade: r.inspectionGrade, failedInspections: shared.days(r.failedInspections),
                                          openHazards: shared.days(r.openHazards), gradeSince: r.gradeSince, insured: insured))
        }
        self.init(sortedTypes: sortedTypes, entries: entries, gateways: Set(gateways),
                  firms: Dictionary(firms.map { ($0.id, $0) }, uniquingKeysWith: { _, b in b }),
                  sites: Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { _, b in b }), stations: stations,
                  certificates: Dictionary(certificates.map { ($0.number, $0) }, uniquingKeysWith: { _, b in b }))
    }

    /// `entries` must be numbered by their position (`index`).
    private init(sortedTypes: [DeviceType], entries: [DirectoryEntry], gateways: Set<String>,
                 firms: [String: Firm], sites: [String: Site], stations: [FillingStation], certificates: [String: Certificate]) {
        self.certificates = certificates
        types = sortedTypes
        var ti: [String: Int] = [:]
        for (i, t) in sortedTypes.enumerated() { ti[t.id] = i }
        typeIndex = ti
        self.entries = entries
        idKeys = ByteKeyTable(entries.map { (key: $0.id, value: $0.index) })
        self.gateways = gateways
        (self.firms, self.sites, self.stations) = (firms, sites, stations)
        var byGateway: [String: Int] = [:]
        for (i, s) in stations.enumerated() { for g in s.gateways { byGateway[g] = i } }
        stationGatewayKeys = ByteKeyTable(byGateway.map { (key: $0.key, value: $0.value) })
    }

    /// The part of the registry behind `gateways` (a cluster node's partitions): the same types,
    /// firms, sites and stations, only those gateways and their devices, renumbered. A message of
    /// any other device is then unknown here, as it would be to a registry without it.
    public func restricted(toGateways kept: Set<String>) -> DeviceDirectory {
        var out: [DirectoryEntry] = []
        for e in entries where kept.contains(e.gateway) {
            out.append(DirectoryEntry(index: out.count, num: e.num, id: e.id, gateway: e.gateway, typeIndex: e.typeIndex, firm: e.firm,
                                      site: e.site, owner: e.owner, attributes: e.attributes, commissioned: e.commissioned, lastInspections: e.lastInspections,
                                      inspectionGrade: e.inspectionGrade, failedInspections: e.failedInspections,
                                      openHazards: e.openHazards, gradeSince: e.gradeSince, insured: e.insured))
        }
        return DeviceDirectory(sortedTypes: types, entries: out, gateways: gateways.intersection(kept), firms: firms, sites: sites, stations: stations,
                               certificates: certificates)
    }

    /// The index in `stations` of the station `gateway` belongs to.
    public func stationIndex(gateway: String) -> Int? { stationGatewayKeys.value(for: gateway) }

    /// The entry of device `id`, if registered.
    public func entry(_ id: String) -> DirectoryEntry? { idKeys.value(for: id).map { entries[$0] } }
    /// The entry whose id is exactly these bytes (a topic level), without building a `String`.
    public func entry(id bytes: UnsafeRawBufferPointer) -> DirectoryEntry? { idKeys.value(for: bytes).map { entries[$0] } }
    /// The index in `stations` of the station whose gateway is exactly these bytes.
    public func stationIndex(gateway bytes: UnsafeRawBufferPointer) -> Int? { stationGatewayKeys.value(for: bytes) }
    /// The device type of `entry`.
    public func type(of entry: DirectoryEntry) -> DeviceType { types[entry.typeIndex] }
    /// The position of type `id` in `types`.
    public func typeIndex(of id: String) -> Int? { typeIndex[id] }
}

/// Equal registry values handed out as one shared copy while a directory is built.
private struct Interned {
    private var strings: Set<String> = []
    private var attributeSets: Set<[String: Scalar]> = []
    private var daySets: Set<[String: Day]> = []

    mutating func string(_ s: String) -> String { strings.insert(s).memberAfterInsert }
    mutating func attributes(_ a: [String: Scalar]) -> [String: Scalar] { a.isEmpty ? a : attributeSets.insert(a).memberAfterInsert }
    mutating func days(_ d: [String: Day]) -> [String: Day] { d.isEmpty ? d : daySets.insert(d).memberAfterInsert }
}
