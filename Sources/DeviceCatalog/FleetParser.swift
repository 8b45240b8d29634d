import Foundation
import Domain
import Source
import Yams

/// Parses fleet files (`Devices/fleet/*.yaml`, or a file given to `equipwatch devices import`)
/// and checks them against the device types.
///
/// Parsing is per file; `check(_:types:)` then validates the merged registry across files
/// (unique ids, references to gateways, sites and firms, attributes against the type).
public enum FleetParser {
    /// Parses one fleet file (firms, owners, sites, gateways, devices, stations), every problem
    /// located.
    public static func parse(text: String, file: String) throws(SourceErrors) -> Fleet {
        let (source, raw) = try YAMLSource.decode(RawFleet.self, text: text, file: file)
        var errors = DeviceTypeParser.unknownKeys(source, at: [], allowed: ["firms", "owners", "sites", "gateways", "devices", "stations", "regions"])
        var fleet = Fleet()
        func origin(_ path: [YAMLSource.PathElement]) -> Origin {
            Origin(file: file, line: source.node(at: path)?.mark?.line)
        }
        fleet.firms = (raw.firms ?? []).map { Firm(id: $0.id, name: $0.name ?? $0.id, grade: $0.grade, nameZh: $0.name_zh) }
        fleet.owners = (raw.owners ?? []).map { Owner(id: $0.id, name: $0.name ?? $0.id, nameZh: $0.name_zh) }
        for (i, o) in fleet.owners.enumerated() where !Identifier.isValid(o.id) {
            errors.append(source.error(at: [.key("owners"), .index(i), .key("id")],
                                       "owner id '\(o.id)' must match [A-Za-z0-9._-]{1,64} (it is a topic level of owner-notices/{owner})"))
        }
        fleet.sites = (raw.sites ?? []).map {
            Site(id: $0.id, name: $0.name ?? $0.id, category: $0.category, city: $0.city, peopleExposed: $0.people_exposed,
                 rescueWithin: $0.rescue_within, district: $0.district, nameZh: $0.name_zh)
        }
        for (i, r) in (raw.regions ?? []).enumerated() {
            let at: [YAMLSource.PathElement] = [.key("regions"), .index(i)]
            errors += DeviceTypeParser.unknownKeys(source, at: at, allowed: ["code", "name", "name_zh", "level", "city"])
            guard r.code.count == 6, r.code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                errors.append(source.error(at: at + [.key("code")], "region '\(r.code)': the code is the six-digit administrative code (GB/T 2260)"))
                continue
            }
            guard let level = DistrictLevel(rawValue: r.level) else {
                errors.append(source.error(at: at + [.key("level")],
                    "region '\(r.code)': level '\(r.level)' is not one of \(DistrictLevel.allCases.map(\.rawValue).joined(separator: ", "))"))
                continue
            }
            fleet.regions.append(Region(code: r.code, name: r.name, nameZh: r.name_zh, level: level, city: r.city))
        }
        for (i, s) in (raw.sites ?? []).enumerated() {
            fleet.siteOrigins[s.id] = origin([.key("sites"), .index(i)])
            if let text = s.rescue_within, (Interval(parsing: text)?.milliseconds ?? 0) <= 0 {
                errors.append(source.error(at: [.key("sites"), .index(i), .key("rescue_within")],
                                           "site '\(s.id)': rescue_within must be a duration such as 30m or 1h, not '\(text)'"))
            }
        }
        fleet.gateways = (raw.gateways ?? []).map { Gateway(id: $0.id, site: $0.site) }
        for (i, g) in fleet.gateways.enumerated() where !Identifier.isValid(g.id) || Identifier.reservedTopicLevels.contains(g.id) {
            errors.append(source.error(at: [.key("gateways"), .index(i), .key("id")], Identifier.isValid(g.id)
                ? "gateway id '\(g.id)' is reserved: equipwatch/v1/\(g.id)/ carries the pipeline's own messages"
                : "gateway id '\(g.id)' must match [A-Za-z0-9._-]{1,64}"))
        }
        fleet.stations = (raw.stations ?? []).map {
            FillingStation(id: $0.id, name: $0.name ?? $0.id, site: $0.site, licence: $0.licence, gases: $0.gases,
                           gateways: $0.gateways, firm: $0.firm)
        }
        for (i, s) in (raw.stations ?? []).enumerated() {
            fleet.stationOrigins[s.id] = origin([.key("stations"), .index(i)])
            errors += DeviceTypeParser.unknownKeys(source, at: [.key("stations"), .index(i)], allowed: RawStation.keys)
            if s.gases.isEmpty || s.gateways.isEmpty {
                errors.append(source.error(at: [.key("stations"), .index(i)], "station '\(s.id)': needs the gases its licence covers and at least one gateway"))
            }
        }
        // The device list, which is most of a large registry, is read from the nodes directly.
        let devices = FleetDevices.read(source, file: file)
        fleet.devices = devices.devices
        errors += devices.errors
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return fleet
    }

    /// Validates a merged registry against the device types; reports every problem found.
    public static func check(_ fleet: Fleet, types: [String: DeviceType]) -> [SourceError] {
        var errors: [SourceError] = []
        func fail(_ o: Origin, _ reason: String) { errors.append(SourceError(file: o.file, line: o.line, reason: reason)) }
        let gateways = Dictionary(fleet.gateways.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let sites = Set(fleet.sites.map(\.id))
        let firms = Set(fleet.firms.map(\.id))
        let owners = Set(fleet.owners.map(\.id))
        var undeclaredOwners: [String: (first: Origin, count: Int)] = [:]
        var seen: [String: Origin] = [:]
        for d in fleet.devices {
            if let first = seen[d.id] { fail(d.origin, "device '\(d.id)' is registered twice (first at \(first))") }
            seen[d.id] = d.origin
            if !Identifier.isValid(d.id) { fail(d.origin, "device id '\(d.id)' must match [A-Za-z0-9._-]{1,64}") }
            if gateways[d.gateway] == nil { fail(d.origin, "device '\(d.id)': unknown gateway '\(d.gateway)'") }
            if !sites.contains(d.site) { fail(d.origin, "device '\(d.id)': unknown site '\(d.site)'") }
            if !firms.contains(d.firm) { fail(d.origin, "device '\(d.id)': unknown maintenance firm '\(d.firm)'") }
            if !owners.contains(d.owner) {
                let known = undeclaredOwners[d.owner]
                undeclaredOwners[d.owner] = (known?.first ?? d.origin, (known?.count ?? 0) + 1)
            }
            guard let type = types[d.type] else {
                fail(d.origin, "device '\(d.id)': unknown type '\(d.type)' (known: \(types.keys.sorted().joined(separator: ", ")))")
                continue
            }
            for (name, spec) in type.attributes.sorted(by: { $0.key < $1.key }) {
                guard let value = d.attributes[name] else {
                    if spec.required { fail(d.origin, "device '\(d.id)': missing required attribute '\(name)'") }
                    continue
                }
                if let problem = problem(value, spec) { fail(d.origin, "device '\(d.id)': attribute '\(name)' \(problem)") }
            }
            for name in d.attributes.keys.sorted() where type.attributes[name] == nil {
                fail(d.origin, "device '\(d.id)': attribute '\(name)' is not declared for type '\(d.type)'")
            }
        }
        var regions: [String: Region] = [:]
        for r in fleet.regions {
            if let other = regions[r.code], other != r {
                fail(Origin(file: "fleet", line: nil), "region '\(r.code)' is declared twice, differently (\(other.name), \(r.name))")
            }
            regions[r.code] = r
        }
        for s in fleet.sites {
            guard let district = s.district, regions[district] == nil else { continue }
            fail(fleet.siteOrigins[s.id] ?? Origin(file: "fleet", line: nil),
                 "site '\(s.id)': district '\(district)' is not declared under regions: (add `- {code: \"\(district)\", name: ..., level: district|county|county_level_city}`)")
        }
        var stationOf: [String: String] = [:]
        for s in fleet.stations {
            let o = fleet.stationOrigins[s.id] ?? Origin(file: "fleet", line: nil)
            if !sites.contains(s.site) { fail(o, "station '\(s.id)': unknown site '\(s.site)'") }
            if !firms.contains(s.firm) { fail(o, "station '\(s.id)': unknown firm '\(s.firm)'") }
            for g in s.gateways {
                if gateways[g] == nil { fail(o, "station '\(s.id)': unknown gateway '\(g)'") }
                if let other = stationOf[g], other != s.id { fail(o, "gateway '\(g)' belongs to stations '\(other)' and '\(s.id)'") }
                stationOf[g] = s.id
            }
        }
        for (owner, use) in undeclaredOwners.sorted(by: { $0.value.first.description < $1.value.first.description }) {
            fail(use.first, undeclaredOwner(owner, devices: use.count, declared: owners))
        }
        return errors
    }

    /// What to change when a device names an owner that no `owners:` entry declares. Fleet files
    /// written before owners had ids carry the owner's name there; the message gives the entry to
    /// add and the id to write instead.
    static func undeclaredOwner(_ owner: String, devices: Int, declared: Set<String>) -> String {
        let used = devices == 1 ? "1 device" : "\(devices) devices"
        if Identifier.isValid(owner) {
            let known = declared.isEmpty ? "no owners are declared" : "declared: \(declared.sorted().joined(separator: ", "))"
            return "owner '\(owner)' (\(used), first here) is not declared under owners: (\(known)); "
                + "add `owners: [{id: \(owner), name: \"...\"}]` to a fleet file"
        }
        let id = suggestedOwnerId(owner)
        return "owner '\(owner)' (\(used), first here) is a name, not an owner id: owners (使用单位) have ids since they are "
            + "scopes and topic levels. Declare it under owners: as `- {id: \(id), name: \"\(owner)\"}` "
            + "and write `owner: \(id)` on its devices"
    }

    /// A valid id derived from an owner's name: lower-case ASCII letters and digits joined by
    /// hyphens; names without ASCII letters get a short hash.
    static func suggestedOwnerId(_ name: String) -> String {
        var words: [String] = []
        var word = ""
        for c in name.lowercased().unicodeScalars {
            if c.isASCII, CharacterSet.alphanumerics.contains(c) { word.unicodeScalars.append(c) }
            else if !word.isEmpty { words.append(word); word = "" }
        }
        if !word.isEmpty { words.append(word) }
        let slug = words.joined(separator: "-")
        if slug.isEmpty { return "owner-" + String(SHA256.hex(name.utf8).prefix(8)) }
        return String(("owner-" + slug).prefix(64))
    }

    private static func problem(_ value: Scalar, _ spec: AttributeSpec) -> String? {
        switch (spec.kind, value) {
        case (.number, .number(let v)), (.int, .number(let v)):
            if spec.kind == .int, v.rounded() != v { return "must be a whole number" }
            if let r = spec.range, !r.contains(v) { return "\(formatNumber(v)) lies outside \(formatNumber(r.lowerBound))…\(formatNumber(r.upperBound))" }
            return nil
        case (.bool, .bool): return nil
        case (.string, .string): return nil
        case (.enumeration, .string(let s)):
            return spec.values.contains(s) ? nil : "'\(s)' is not one of \(spec.values.joined(separator: ", "))"
        default: return "must be of type \(spec.kind.rawValue)"
        }
    }
}

private struct RawFleet: Decodable {
    let firms: [RawFirm]?
    let owners: [RawOwner]?
    let sites: [RawSite]?
    let gateways: [RawGateway]?
    let stations: [RawStation]?  // and devices, read by `FleetDevices`
    let regions: [RawRegion]?
}

private struct RawStation: Decodable {
    static let keys: Set<String> = ["id", "name", "site", "licence", "gases", "gateways", "firm"]
    let id: String; let name: String?; let site: String; let licence: String; let gases: [String]; let gateways: [String]; let firm: String
}

private struct RawFirm: Decodable { let id: String; let name: String?; let grade: String?; let name_zh: String? }
private struct RawOwner: Decodable { let id: String; let name: String?; let name_zh: String? }
private struct RawSite: Decodable {
    let id: String; let name: String?; let category: String; let city: String?; let people_exposed: Int?
    let rescue_within: String?; let district: String?; let name_zh: String?
}
private struct RawRegion: Decodable { let code: String; let name: String; let name_zh: String?; let level: String; let city: String? }
private struct RawGateway: Decodable { let id: String; let site: String }
