/// Where a registry entry was declared, so later cross-file checks can still point at a line.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public var description: String { line.map { "\(file):\($0)" } ?? file }

    public init(file: String, line: Int?) { (self.file, self.line) = (file, line) }
}

/// A maintenance firm (维保单位). Coding keys are the store's column names.
public struct Firm: Sendable, Hashable, Codable {
    public let id: String
    /// The display name.
    public let name: String
    /// The firm's licence grade (A, B, C...); firms graded C or lower lose on-demand eligibility.
    public let grade: String?
    /// The name in Chinese, for readers in Chinese (the console in 中文).
    public let nameZh: String?

    enum CodingKeys: String, CodingKey { case id, name, grade, nameZh = "name_zh" }

    public init(id: String, name: String, grade: String?, nameZh: String? = nil) {
        (self.id, self.name, self.grade, self.nameZh) = (id, name, grade, nameZh)
    }
}

/// An owner, the user of equipment (使用单位): responsible for its safe use and for applying for
/// its inspections. Its id is an MQTT topic level (`equipwatch/v1/owner-notices/{owner}`) and the
/// scope of an `owner:{id}` token.
public struct Owner: Sendable, Hashable, Codable {
    public let id: String
    /// The display name.
    public let name: String
    /// The name in Chinese.
    public let nameZh: String?

    enum CodingKeys: String, CodingKey { case id, name, nameZh = "name_zh" }

    public init(id: String, name: String, nameZh: String? = nil) { (self.id, self.name, self.nameZh) = (id, name, nameZh) }
}

/// A site where equipment is used.
public struct Site: Sendable, Hashable, Codable {
    public let id: String
    /// The display name.
    public let name: String
    /// Location category (school, hospital, mall, station, residential, industrial, ...),
    /// a consequence factor in risk grading.
    public let category: String
    public let city: String?
    public let peopleExposed: Int?
    /// The trapped-passenger rescue deadline at this site (`30m`, `1h`), when it differs from the
    /// type's and the district's.
    public let rescueWithin: String?
    /// The county-level division the site lies in: its administrative code (行政区划代码, GB/T
    /// 2260, six digits), declared among the fleet's `regions`.
    public let district: String?
    /// That division's level, from the fleet's `regions` (set when the registry is checked): the
    /// rescue deadline follows from it.
    public let districtLevel: DistrictLevel?
    /// The name in Chinese.
    public let nameZh: String?

    enum CodingKeys: String, CodingKey {
        case id, name, category, city, peopleExposed = "people_exposed", rescueWithin = "rescue_within", district
        case districtLevel = "district_level", nameZh = "name_zh"
    }

    public init(id: String, name: String, category: String, city: String?, peopleExposed: Int?, rescueWithin: String? = nil,
                district: String? = nil, districtLevel: DistrictLevel? = nil, nameZh: String? = nil) {
        (self.nameZh, self.id, self.name, self.category, self.city) = (nameZh, id, name, category, city)
        (self.peopleExposed, self.rescueWithin, self.district) = (peopleExposed, rescueWithin, district)
        self.districtLevel = districtLevel
    }

    /// The same site in a division of `level`.
    public func with(districtLevel level: DistrictLevel?) -> Site {
        Site(id: id, name: name, category: category, city: city, peopleExposed: peopleExposed, rescueWithin: rescueWithin,
             district: district, districtLevel: level, nameZh: nameZh)
    }
}

/// The level of a county-level administrative division (县级行政区). TSG T5002-2017 gives the
/// rescue deadline by it: 30 minutes in municipalities (直辖市) and cities divided into districts
/// (设区的市), 1 hour elsewhere.
public enum DistrictLevel: String, Sendable, Hashable, Codable, CaseIterable {
    /// 市辖区: a district of a municipality or of a city divided into districts.
    case district
    /// 县, 自治县, 旗.
    case county
    /// 县级市.
    case countyLevelCity = "county_level_city"
}

/// A county-level division a fleet's sites lie in: code (GB/T 2260), names, level and the city
/// above it.
public struct Region: Sendable, Hashable, Codable {
    /// The event or reason code.
    public let code: String
    /// The display name.
    public let name: String
    public let nameZh: String?
    public let level: DistrictLevel
    public let city: String?

    enum CodingKeys: String, CodingKey { case code, name, nameZh = "name_zh", level, city }

    public init(code: String, name: String, nameZh: String?, level: DistrictLevel, city: String?) {
        (self.code, self.name, self.nameZh, self.level, self.city) = (code, name, nameZh, level, city)
    }
}

/// A gateway next to the equipment, at one site.
public struct Gateway: Sendable, Hashable, Codable {
    public let id: String
    /// The site's id.
    public let site: String
    public init(id: String, site: String) { (self.id, self.site) = (id, site) }
}

/// One registered piece of equipment, identified by its registration code (设备代码).
public struct DeviceRecord: Sendable, Hashable {
    public let id: String
    /// The device type's id (`elevator`, `boiler`...).
    public let type: String
    /// The gateway's id.
    public let gateway: String
    /// The site's id.
    public let site: String
    /// The owner's id (see `Owner`).
    public let owner: String
    /// The maintenance firm's id.
    public let firm: String
    /// When it was put into service (local date).
    public let commissioned: Day
    /// Last inspection date by inspection kind (e.g. `periodic`, `external`, `internal`).
    public let lastInspections: [String: Day]
    /// Inspection safety grade (pressure vessels: 1–5), when the type uses one.
    public let inspectionGrade: Int?
    /// Inspection kinds whose latest recorded result is a failure, with its date: the device must
    /// not be used until a passing inspection of that kind is recorded. Empty in fleet files; the
    /// store fills it from the inspection records.
    public let failedInspections: [String: Day]
    /// Major hazards (GB 45067-2024) raised by a `hazard` rule and not yet closed (verified by an
    /// inspection body or the supervisor), by rule, with the day raised: the device must not be
    /// used meanwhile.
    /// Empty in fleet files; the store fills it.
    public let openHazards: [String: Day]
    /// The first day of the stretch of graded inspections, up to the latest, none of them better
    /// than the current grade (nil: none recorded). A grade allowed only for a limited time in all
    /// (a pressure vessel's grade 4) counts from here. Filled by the store from the records.
    public let gradeSince: Day?
    /// The device's attributes from the fleet file.
    public let attributes: [String: Scalar]
    public let origin: Origin

    public init(id: String, type: String, gateway: String, site: String, owner: String, firm: String,
                commissioned: Day, lastInspections: [String: Day], inspectionGrade: Int?,
                failedInspections: [String: Day] = [:], openHazards: [String: Day] = [:], gradeSince: Day? = nil,
                attributes: [String: Scalar], origin: Origin) {
        (self.id, self.type, self.gateway, self.site, self.owner, self.firm) = (id, type, gateway, site, owner, firm)
        (self.commissioned, self.lastInspections, self.inspectionGrade) = (commissioned, lastInspections, inspectionGrade)
        (self.failedInspections, self.openHazards, self.gradeSince) = (failedInspections, openHazards, gradeSince)
        (self.attributes, self.origin) = (attributes, origin)
    }
}

/// A registry: firms, owners, sites, gateways and devices, from one or several fleet files.
/// A licensed gas cylinder filling station (充装单位): any of its gateways may report fills of any
/// registered cylinder of a gas its licence covers (traceability, 追溯). Coding keys are the
/// store's column names.
public struct FillingStation: Sendable, Hashable, Codable {
    public let id: String
    /// The display name.
    public let name: String
    /// The site's id.
    public let site: String
    /// The filling licence number (充装许可证).
    public let licence: String
    /// Gases the licence covers, as cylinders name them in their `gas` attribute (LPG, CNG, O2...).
    public let gases: [String]
    public let gateways: [String]
    /// The firm told of a refused fill at this station.
    public let firm: String

    public init(id: String, name: String, site: String, licence: String, gases: [String], gateways: [String], firm: String) {
        (self.id, self.name, self.site, self.licence, self.gases, self.gateways) = (id, name, site, licence, gases, gateways)
        self.firm = firm
    }
}

/// What the fleet files declare: firms, owners, sites, gateways, devices and filling stations.
public struct Fleet: Sendable {
    public var firms: [Firm] = []
    public var owners: [Owner] = []
    public var sites: [Site] = []
    public var gateways: [Gateway] = []
    public var devices: [DeviceRecord] = []
    public var stations: [FillingStation] = []
    /// The county-level divisions the sites lie in.
    public var regions: [Region] = []
    /// Where each site was declared, by id, for the cross-file checks' messages.
    public var siteOrigins: [String: Origin] = [:]
    /// Where each station was declared, by id, for the cross-file checks' messages.
    public var stationOrigins: [String: Origin] = [:]

    public init() {}

    /// The sites with the level of their district set from `regions` (those of `known` too: a
    /// file may name a district another file of the registry declares).
    public func resolvingDistricts(known: [Region] = []) -> Fleet {
        var levels: [String: DistrictLevel] = [:]
        for r in known + regions { levels[r.code] = r.level }
        var out = self
        out.sites = sites.map { s in s.with(districtLevel: s.district.flatMap { levels[$0] }) }
        return out
    }

    /// Adds `other`'s declarations (the fleet spread over several files).
    public mutating func merge(_ other: Fleet) {
        firms += other.firms
        owners += other.owners
        sites += other.sites
        gateways += other.gateways
        devices += other.devices
        stations += other.stations
        regions += other.regions
        siteOrigins.merge(other.siteOrigins) { a, _ in a }
        stationOrigins.merge(other.stationOrigins) { a, _ in a }
    }
}
