import Domain
import Source
import Yams

/// Turns the text of a `Devices/types/*.yaml` file into a checked `DeviceType`.
///
/// Checks go beyond the YAML shape: unknown keys (a misspelt `rnage` must not silently drop a
/// range), ranges with min above max, normal bands outside the physical range, counters and
/// maintenance triggers naming undeclared fields or events. All problems are reported, each
/// with its line.
public enum DeviceTypeParser {
    /// Parses and checks one type file; every problem is reported at its line and column in `file`.
    public static func parse(text: String, file: String) throws(SourceErrors) -> DeviceType {
        let (source, raw) = try YAMLSource.decode(RawType.self, text: text, file: file)
        var errors: [SourceError] = []
        errors += unknownKeys(source, at: [], allowed: RawType.keys)

        var fields: [FieldSpec] = []
        for name in orderedKeys(source, at: [.key("telemetry")]) {
            guard let f = raw.telemetry[name] else { continue }
            let path: [YAMLSource.PathElement] = [.key("telemetry"), .key(name)]
            errors += unknownKeys(source, at: path, allowed: RawField.keys)
            errors += checkName(name, source, path)
            guard let kind = FieldSpec.Kind(rawValue: f.type) else {
                errors.append(source.error(at: path + [.key("type")],
                    "field '\(name)': unknown type '\(f.type)' (expected one of \(FieldSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            let range = checkRange(f.range, "range", source, path, &errors)
            let normal = checkRange(f.normal, "normal", source, path, &errors)
            if let range, let normal, !(range.contains(normal.lowerBound) && range.contains(normal.upperBound)) {
                errors.append(source.error(at: path + [.key("normal")], "field '\(name)': normal band \(normal) lies outside the physical range \(range)"))
            }
            if (kind == .number || kind == .int), range == nil {
                errors.append(source.error(at: path, "field '\(name)': numeric fields need a physical 'range: [min, max]'"))
            }
            if kind == .enumeration, (f.values ?? []).isEmpty {
                errors.append(source.error(at: path, "field '\(name)': enum fields need 'values'"))
            }
            fields.append(FieldSpec(name: name, kind: kind, unit: f.unit, range: range, normal: normal,
                                    values: f.values ?? [], description: f.description, derived: f.derived ?? false))
        }
        if fields.isEmpty {
            errors.append(source.error(at: [.key("telemetry")], "a device type needs at least one telemetry field"))
        }

        var events: [String: EventSpec] = [:]
        for code in orderedKeys(source, at: [.key("events")]) {
            guard let e = raw.events?[code] else { continue }
            let path: [YAMLSource.PathElement] = [.key("events"), .key(code)]
            errors += unknownKeys(source, at: path, allowed: ["severity", "description"])
            errors += checkName(code, source, path)
            if !severities.contains(e.severity) {
                errors.append(source.error(at: path + [.key("severity")], "event '\(code)': severity must be one of \(severities.joined(separator: ", "))"))
            }
            events[code] = EventSpec(code: code, severity: e.severity, description: e.description)
        }

        var attributes: [String: AttributeSpec] = [:]
        for name in orderedKeys(source, at: [.key("attributes")]) {
            guard let a = raw.attributes?[name] else { continue }
            let path: [YAMLSource.PathElement] = [.key("attributes"), .key(name)]
            errors += unknownKeys(source, at: path, allowed: RawAttribute.keys)
            guard let kind = FieldSpec.Kind(rawValue: a.type) else {
                errors.append(source.error(at: path + [.key("type")], "attribute '\(name)': unknown type '\(a.type)'"))
                continue
            }
            let range = checkRange(a.range, "range", source, path, &errors)
            attributes[name] = AttributeSpec(name: name, kind: kind, unit: a.unit, range: range,
                                             values: a.values ?? [], required: a.required ?? false)
        }

        let declared = Set(fields.map(\.name))
        for (i, c) in (raw.counters ?? []).enumerated() where !declared.contains(c) {
            errors.append(source.error(at: [.key("counters"), .index(i)], "counter '\(c)' is not a declared telemetry field"))
        }
        for (name, tier) in (raw.maintenance?.tiers ?? [:]).sorted(by: { $0.key < $1.key }) {
            if MaintenanceTier(rawValue: name) == nil || name == MaintenanceTier.halfMonthly.rawValue {
                errors.append(source.error(at: [.key("maintenance"), .key("tiers"), .key(name)],
                                           "tier '\(name)' is not one of quarterly, half_yearly, yearly (the routine items are the main cycle)"))
            }
            if Interval(parsing: tier.fixed) == nil {
                errors.append(source.error(at: [.key("maintenance"), .key("tiers"), .key(name), .key("fixed")], "'\(tier.fixed)' is not a duration (e.g. 90d)"))
            }
        }
        if let m = raw.maintenance {
            errors += checkMaintenance(m, counters: Set(raw.counters ?? []), events: Set(events.keys), source)
        }
        for (i, p) in (raw.inspection ?? []).enumerated() {
            let hasSchedule = p.every_years != nil || p.in_service_years != nil || p.by_grade != nil || p.by_attribute != nil
                || p.in_years_without != nil
            if !hasSchedule {
                errors.append(source.error(at: [.key("inspection"), .index(i)],
                    "inspection '\(p.kind)': needs one of every_years, in_service_years, in_years_without, by_grade, by_attribute"))
            }
            if let other = p.in_years_without,
               (raw.inspection ?? []).first(where: { $0.kind == other && $0.kind != p.kind })?.in_service_years == nil {
                errors.append(source.error(at: [.key("inspection"), .index(i), .key("in_years_without")],
                    "inspection '\(p.kind)': in_years_without '\(other)' is not another inspection kind of this type with in_service_years"))
            }
            if let years = p.in_service_years, years.isEmpty || years != years.sorted() || Set(years).count != years.count || years[0] < 1 {
                errors.append(source.error(at: [.key("inspection"), .index(i), .key("in_service_years")],
                    "inspection '\(p.kind)': in_service_years must list years of service from 1 up, in increasing order"))
            }
            if let by = p.performed_by, by != "owner", by != "inspection_body" {
                errors.append(source.error(at: [.key("inspection"), .index(i), .key("performed_by")],
                    "inspection '\(p.kind)': performed_by is owner or inspection_body, not '\(by)'"))
            }
            if let limited = p.limited_grade {
                if p.by_grade.map({ !(1...$0.count).contains(limited.grade) }) ?? true {
                    errors.append(source.error(at: [.key("inspection"), .index(i), .key("limited_grade")],
                        "inspection '\(p.kind)': limited_grade needs by_grade and a grade within it"))
                }
                if limited.max_years < 1 {
                    errors.append(source.error(at: [.key("inspection"), .index(i), .key("limited_grade"), .key("max_years")],
                        "inspection '\(p.kind)': max_years must be at least 1"))
                }
            }
            if let a = p.by_attribute, attributes[a.attribute] == nil {
                errors.append(source.error(at: [.key("inspection"), .index(i), .key("by_attribute")],
                    "inspection '\(p.kind)': attribute '\(a.attribute)' is not declared"))
            }
            let kinds = Set((raw.inspection ?? []).map(\.kind))
            for k in p.covered_by ?? [] where !kinds.contains(k) || k == p.kind {
                errors.append(source.error(at: [.key("inspection"), .index(i), .key("covered_by")],
                    "inspection '\(p.kind)': covered_by '\(k)' is not another inspection kind of this type"))
            }
        }
        for (i, c) in (raw.attribute_checks ?? []).enumerated() {
            for name in [c.attribute, c.of] where attributes[name] == nil {
                errors.append(source.error(at: [.key("attribute_checks"), .index(i)], "attribute check: '\(name)' is not a declared attribute"))
            }
            if let r = c.when_between, r.count != 2 || r[0] > r[1] {
                errors.append(source.error(at: [.key("attribute_checks"), .index(i), .key("when_between")], "when_between is [low, high]"))
            }
        }
        var rescue: RescuePolicy?
        if let r = raw.rescue {
            func duration(_ text: String, _ path: [YAMLSource.PathElement]) -> Int64 {
                guard let i = Interval(parsing: text), i.milliseconds > 0 else {
                    errors.append(source.error(at: path, "rescue deadline must be a duration such as 30m or 1h, not '\(text)'"))
                    return 0
                }
                return i.milliseconds
            }
            let within = duration(r.within, [.key("rescue"), .key("within")])
            var cities: [String: Int64] = [:]
            for (city, text) in r.cities ?? [:] { cities[city] = duration(text, [.key("rescue"), .key("cities"), .key(city)]) }
            var levels: [DistrictLevel: Int64] = [:]
            for (name, text) in r.by_district_level ?? [:] {
                let path: [YAMLSource.PathElement] = [.key("rescue"), .key("by_district_level"), .key(name)]
                guard let level = DistrictLevel(rawValue: name) else {
                    errors.append(source.error(at: path, "'\(name)' is not a district level (\(DistrictLevel.allCases.map(\.rawValue).joined(separator: ", ")))"))
                    continue
                }
                levels[level] = duration(text, path)
            }
            rescue = RescuePolicy(withinMs: within, cityMs: cities, levelMs: levels)
        }
        for (i, prefix) in (raw.code_prefixes ?? []).enumerated() where prefix.isEmpty || prefix.count > 4 || !prefix.allSatisfy({ $0.isASCII && $0.isNumber }) {
            errors.append(source.error(at: [.key("code_prefixes"), .index(i)], "'\(prefix)' is not the start of an equipment category code (1 to 4 digits)"))
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return DeviceType(
            id: raw.type, description: raw.description ?? raw.type, fields: fields, events: events,
            attributes: attributes, allowsExtraFields: raw.allow_extra_fields ?? false,
            counters: raw.counters ?? [], maintenance: raw.maintenance, inspections: raw.inspection ?? [],
            consequence: raw.consequence ?? [:], rescue: rescue, attributeChecks: raw.attribute_checks ?? [],
            tracedByFills: raw.traced_by_fills ?? false, serviceLife: raw.service_life, codePrefixes: raw.code_prefixes ?? [],
            fillerCertificates: raw.filler_certificates ?? [])
    }

    static let severities = Severity.allCases.map(\.rawValue)

    private static func checkMaintenance(_ m: MaintenancePolicy, counters: Set<String>, events: Set<String>,
                                         _ source: YAMLSource) -> [SourceError] {
        var errors: [SourceError] = []
        let base: [YAMLSource.PathElement] = [.key("maintenance")]
        func interval(_ text: String, _ path: [YAMLSource.PathElement]) {
            if Interval(parsing: text) == nil {
                errors.append(source.error(at: path, "'\(text)' is not a duration (e.g. 15d, 24h, 45s)"))
            }
        }
        interval(m.fixed.interval, base + [.key("fixed"), .key("interval")])
        if let r = m.counter_readings {
            if !(r.tolerance >= 0) { errors.append(source.error(at: base + [.key("counter_readings"), .key("tolerance")], "tolerance must be 0 or more")) }
            if !(r.reset_below >= 0) { errors.append(source.error(at: base + [.key("counter_readings"), .key("reset_below")], "reset_below must be 0 or more")) }
        } else if !counters.isEmpty {
            errors.append(source.error(at: base, "'counter_readings: {tolerance: N, reset_below: N}' is required: how a counter that goes down is read"))
        }
        if let d = m.deadline {
            interval(d, base + [.key("deadline")])
        } else {
            errors.append(source.error(at: base, "'deadline' is required: how long after a maintenance_due notice the work must be done"))
        }
        if let o = m.on_demand {
            let p = base + [.key("on_demand")]
            if let cap = o.calendar_cap { interval(cap, p + [.key("calendar_cap")]) }
            if (o.calendar_cap == nil) == (o.calendar_period == nil) {
                errors.append(source.error(at: p, "on_demand needs one of calendar_cap (a duration such as 90d) or calendar_period (month, quarter, half_year, year)"))
            }
            for name in (o.usage ?? [:]).keys.sorted() where !counters.contains(name) {
                errors.append(source.error(at: p + [.key("usage"), .key(name)], "usage trigger '\(name)' is not a declared counter"))
            }
            if let f = o.faults {
                interval(f.window, p + [.key("faults"), .key("window")])
                for (i, c) in f.codes.enumerated() where !events.contains(c) {
                    errors.append(source.error(at: p + [.key("faults"), .key("codes"), .index(i)], "fault trigger '\(c)' is not a declared event code"))
                }
            }
            if let e = o.eligibility {
                interval(e.max_silence, p + [.key("eligibility"), .key("max_silence")])
                interval(e.window, p + [.key("eligibility"), .key("window")])
            }
        }
        return errors
    }

    private static func checkRange(_ values: [Double]?, _ key: String, _ source: YAMLSource,
                                   _ path: [YAMLSource.PathElement], _ errors: inout [SourceError]) -> ClosedRange<Double>? {
        guard let values else { return nil }
        guard values.count == 2, values[0] <= values[1] else {
            errors.append(source.error(at: path + [.key(key)], "'\(key)' must be [min, max] with min ≤ max"))
            return nil
        }
        return values[0]...values[1]
    }

    private static func checkName(_ name: String, _ source: YAMLSource, _ path: [YAMLSource.PathElement]) -> [SourceError] {
        Identifier.isSnakeCaseName(name) ? [] : [source.error(at: path, "'\(name)': names are lower_snake_case (a-z, 0-9, _)")]
    }

    /// The keys of the mapping at `path` in file order (YAML mappings decode unordered).
    public static func orderedKeys(_ source: YAMLSource, at path: [YAMLSource.PathElement]) -> [String] {
        source.node(at: path)?.mapping?.compactMap { $0.key.string } ?? []
    }

    /// Keys in the mapping at `path` that are not in `allowed`, each as a located error.
    public static func unknownKeys(_ source: YAMLSource, at path: [YAMLSource.PathElement], allowed: Set<String>) -> [SourceError] {
        orderedKeys(source, at: path).filter { !allowed.contains($0) }.map {
            source.error(at: path + [.key($0)], "unknown key '\($0)' (expected one of \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}

private struct RawType: Decodable {
    static let keys: Set<String> = ["type", "description", "allow_extra_fields", "telemetry", "events", "attributes",
                                    "counters", "maintenance", "inspection", "consequence", "rescue", "attribute_checks",
                                    "traced_by_fills", "service_life", "code_prefixes", "filler_certificates"]
    let type: String
    let description: String?
    let allow_extra_fields: Bool?
    let telemetry: [String: RawField]
    let events: [String: RawEvent]?
    let attributes: [String: RawAttribute]?
    let counters: [String]?
    let maintenance: MaintenancePolicy?
    let inspection: [InspectionPolicy]?
    let consequence: [String: Double]?
    let rescue: RawRescue?
    let attribute_checks: [AttributeCheck]?
    let traced_by_fills: Bool?
    let service_life: ServiceLife?
    let code_prefixes: [String]?
    let filler_certificates: [CertificateItem]?
}

private struct RawRescue: Decodable {
    let within: String
    let cities: [String: String]?
    let by_district_level: [String: String]?
}

private struct RawField: Decodable {
    static let keys: Set<String> = ["type", "unit", "range", "normal", "values", "description", "derived"]
    let type: String
    let unit: String?
    let range: [Double]?
    let normal: [Double]?
    let values: [String]?
    let description: String?
    let derived: Bool?
}

private struct RawEvent: Decodable {
    let severity: String
    let description: String?
}

private struct RawAttribute: Decodable {
    static let keys: Set<String> = ["type", "unit", "range", "values", "required", "description"]
    let type: String
    let unit: String?
    let range: [Double]?
    let values: [String]?
    let required: Bool?
}
