import Domain
import Source
import Yams

/// Reads a fleet file's `devices:` list straight from its YAML nodes.
///
/// The rest of a fleet file goes through `Decodable`, but the device list is what a large
/// registry is made of (100 k entries, 36 MB), and Yams's generic decoding spent about half of
/// the parse on it: node copies, reference counting, and a linear search of a device's mapping
/// for each of its fields. Here each device's mapping is read once, key by key, and every problem
/// is reported at its line, all of them rather than the first.
enum FleetDevices {
    static let keys: Set<String> = ["id", "type", "gateway", "site", "owner", "firm", "commissioned",
                                    "last_inspections", "inspection_grade", "attributes"]
    /// In this order: `device` reads them by position.
    private static let required = ["id", "type", "gateway", "site", "owner", "firm", "commissioned"]

    static func read(_ source: YAMLSource, file: String) -> (devices: [DeviceRecord], errors: [SourceError]) {
        let listPath: [YAMLSource.PathElement] = [.key("devices")]
        guard let list = source.node(at: listPath) else { return ([], []) }
        if list.null != nil { return ([], []) }
        guard let items = list.sequence else {
            return ([], [source.error(at: listPath, "devices: expected a list of devices")])
        }
        var devices: [DeviceRecord] = []
        devices.reserveCapacity(items.count)
        var errors: [SourceError] = []
        for (i, item) in items.enumerated() {
            let path = listPath + [.index(i)]
            guard let mapping = item.mapping else {
                errors.append(source.error(at: path, "devices[\(i)]: expected a mapping of id, type, gateway, site, owner, firm, commissioned..."))
                continue
            }
            if let d = device(mapping, path: path, index: i, source: source, file: file, errors: &errors) { devices.append(d) }
        }
        return (devices, errors)
    }

    private static func device(_ mapping: Node.Mapping, path: [YAMLSource.PathElement], index i: Int, source: YAMLSource,
                               file: String, errors: inout [SourceError]) -> DeviceRecord? {
        // The required texts, in the order of `required`, and which of them were given at all
        // (a bit each: one given with the wrong type is not also missing).
        var text = [String?](repeating: nil, count: required.count)
        var given: UInt8 = 0
        var inspections: [String: Day] = [:]
        var grade: Int?
        var attributes: [String: Scalar] = [:]
        var failed = false
        func fail(_ at: [YAMLSource.PathElement], _ reason: String) {
            errors.append(source.error(at: at, reason))
            failed = true
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(path, "devices[\(i)]: a key that is not a name")
                continue
            }
            var at: [YAMLSource.PathElement] { path + [.key(key)] }
            if value.null != nil { continue }  // `key: ~` is as if absent
            if let field = required.firstIndex(of: key) {
                given |= 1 << field
                guard let s = value.scalar?.string else { fail(at, "devices[\(i)].\(key): expected a string"); continue }
                text[field] = s
                continue
            }
            switch key {
            case "inspection_grade":
                guard let s = value.scalar, let g = Int.construct(from: s) else { fail(at, "devices[\(i)].inspection_grade: expected a number"); continue }
                grade = g
            case "last_inspections":
                guard let m = value.mapping else { fail(at, "devices[\(i)].last_inspections: expected a mapping of inspection kind to date"); continue }
                for (k, v) in m {
                    guard let kind = k.scalar?.string, let day = v.scalar?.string else {
                        fail(at, "devices[\(i)].last_inspections: expected a mapping of inspection kind to date")
                        continue
                    }
                    guard let parsed = Day(parsing: day) else {
                        fail(at + [.key(kind)], "device '\(text[0] ?? "devices[\(i)]")': inspection date '\(day)' is not YYYY-MM-DD")
                        continue
                    }
                    inspections[kind] = parsed
                }
            case "attributes":
                guard let m = value.mapping else { fail(at, "devices[\(i)].attributes: expected a mapping of attribute to value"); continue }
                for (k, v) in m {
                    guard let name = k.scalar?.string, let s = v.scalar else {
                        fail(at, "devices[\(i)].attributes: expected a mapping of attribute to value (a number, true or false, or a text)")
                        continue
                    }
                    // As a decoder would: true/false first, then a number, then the text.
                    attributes[name] = Bool.construct(from: s).map(Scalar.bool) ?? Double.construct(from: s).map(Scalar.number) ?? .string(s.string)
                }
            default:
                fail(at, "unknown key '\(key)' (expected one of \(keys.sorted().joined(separator: ", ")))")
            }
        }
        let name = text[0].map { "device '\($0)'" } ?? "devices[\(i)]"
        for (field, key) in required.enumerated() where given & (1 << field) == 0 {
            fail(path, "\(name): missing required key '\(key)'")
        }
        let commissioned = text[6].flatMap(Day.init(parsing:))
        if let given = text[6], commissioned == nil {
            fail(path + [.key("commissioned")], "\(name): commissioned '\(given)' is not a date YYYY-MM-DD")
        }
        guard !failed, let id = text[0], let type = text[1], let gateway = text[2], let site = text[3], let owner = text[4],
              let firm = text[5], let commissioned else { return nil }
        return DeviceRecord(
            id: id, type: type, gateway: gateway, site: site, owner: owner, firm: firm,
            commissioned: commissioned, lastInspections: inspections, inspectionGrade: grade,
            attributes: attributes, origin: Origin(file: file, line: mapping.mark?.line))
    }
}
