import Domain

/// An attribute that should follow from another: `attribute ≈ times × of`, while `of` lies in
/// `when_between` (a steam boiler's safety valves are set at 1.04 and 1.06 × its working
/// pressure, TSG 11-2020). Checked when a registry is imported; a difference is a warning, not a
/// rejection (the inspection body may have set the valve otherwise), naming the rule's source.
public struct AttributeCheck: Sendable, Decodable, Hashable {
    public let attribute: String
    public let times: Double
    public let of: String
    /// Applies only while `of` lies in this range (inclusive), when given.
    let when_between: [Double]?
    /// Allowed absolute difference, in the attribute's unit.
    public let tolerance: Double
    /// Where the expectation comes from, for the warning.
    public let reason: String

    /// The warning for `attributes`, or nil when it holds, does not apply, or a value is missing.
    public func warning(_ attributes: [String: Scalar]) -> String? {
        guard let value = attributes[attribute]?.number, let base = attributes[of]?.number else { return nil }
        if let range = when_between, range.count == 2, !(range[0]...range[1]).contains(base) { return nil }
        let expected = times * base
        guard abs(value - expected) > tolerance + 1e-9 else { return nil }  // decimal inputs in binary floating point
        return "\(attribute) \(formatNumber(value)) differs from \(formatNumber(times)) × \(of) \(formatNumber(base)) = "
            + "\(formatNumber((expected * 1000).rounded() / 1000)) (\(reason))"
    }
}

extension Fleet {
    /// Warnings for registration codes (设备代码: category code, the six-digit administrative code
    /// of where the device is registered, year, serial) that contradict the registry: a category
    /// not among the type's `code_prefixes`, or a region that is not the district of the
    /// device's site. Warnings, not errors: codes are issued once and outlive moves and mergers
    /// of districts.
    /// `known` are sites declared elsewhere in the registry (a file may name them).
    public func codeWarnings(types: [String: DeviceType], known: [Site] = []) -> [String] {
        let districts = Dictionary((known + sites).map { ($0.id, $0.district) }, uniquingKeysWith: { _, b in b })
        return devices.compactMap { d in
            let code = Array(d.id)
            var problems: [String] = []
            if let prefixes = types[d.type]?.codePrefixes, !prefixes.isEmpty, !prefixes.contains(where: { d.id.hasPrefix($0) }) {
                problems.append("its category digits \(String(code.prefix(4))) are not those of type \(d.type) (\(prefixes.map { $0 + "…" }.joined(separator: ", ")))")
            }
            if let district = districts[d.site] ?? nil, code.count >= 10 {
                let region = String(code[4..<10])
                if region != district { problems.append("its region digits \(region) are not its site's district \(district) (\(d.site))") }
            }
            return problems.isEmpty ? nil : "device \(d.id): " + problems.joined(separator: "; ")
        }
    }

    /// Warnings for devices whose attributes differ from their type's `attribute_checks`, as
    /// "device ID: ..." lines in device order.
    public func attributeWarnings(types: [String: DeviceType]) -> [String] {
        devices.flatMap { d in
            (types[d.type]?.attributeChecks ?? []).compactMap { $0.warning(d.attributes) }.map { "device \(d.id): \($0)" }
        }
    }
}

/// A design service life table (gas cylinders: by construction and medium, TSG 23-2021 and the
/// older tables; the figures are data to confirm against the regulation in force). The first
/// row whose `when` attributes all match gives the years; `extension_years` may be added once
/// where the registry records an extension (`extended: true`).
public struct ServiceLife: Sendable, Decodable, Hashable {
    /// One row of an attribute table: the attribute values it matches and what they set.
    public struct Row: Sendable, Decodable, Hashable {
        /// Attribute values that must all match (an empty map matches every device).
        public let when: [String: String]
        public let years: Int
        public let extension_years: Int?
        /// Needs confirming against the regulation in force (shown in docs/domain.md).
        public let confirm: Bool?
    }

    /// The attribute that records the date the life counts from (e.g. `manufactured`), else
    /// commissioning.
    public let counts_from: String?
    /// The boolean attribute recording that the one extension was granted.
    public let extended_by: String?
    public let rows: [Row]

    /// The applicable row for `attributes`, or nil.
    public func row(for attributes: [String: Scalar]) -> Row? {
        rows.first { r in r.when.allSatisfy { attributes[$0.key]?.string == $0.value } }
    }
}
