import Domain

/// A registered device as a store reads it: the `devices` row and what its inspection records
/// and open hazards make of it (JSON objects built by the query), before it becomes a
/// `DeviceRecord`. Every engine fills these from its own row, and the record is made once, here.
public struct DeviceColumns: Sendable {
    public var num: Int64
    public var id: String
    public var type: String
    public var gateway: String
    public var site: String
    public var owner: String
    public var firm: String
    public var commissioned: String
    public var inspectionGrade: Int?
    /// The registry's last inspections, a JSON object of kind → date.
    public var lastInspections: String
    /// The registry's attributes, a JSON object of scalars.
    public var attributes: String
    public var source: String?
    /// The latest passing inspection per kind, a JSON object of kind → date.
    public var passedInspections: String?
    /// Kinds whose latest inspection failed, a JSON object of kind → date.
    public var failedInspections: String?
    /// The latest recorded safety grade.
    public var recordedGrade: Int?
    /// Since when that grade or worse has held (YYYY-MM-DD).
    public var gradeSince: String?
    /// Open major hazards, a JSON object of rule → first raised (epoch ms).
    public var openHazards: String?

    public init(num: Int64, id: String, type: String, gateway: String, site: String, owner: String, firm: String, commissioned: String,
                inspectionGrade: Int?, lastInspections: String, attributes: String, source: String?, passedInspections: String?,
                failedInspections: String?, recordedGrade: Int?, gradeSince: String?, openHazards: String?) {
        (self.num, self.id, self.type, self.gateway, self.site, self.owner, self.firm) = (num, id, type, gateway, site, owner, firm)
        (self.commissioned, self.inspectionGrade, self.lastInspections, self.attributes) = (commissioned, inspectionGrade, lastInspections, attributes)
        (self.source, self.passedInspections, self.failedInspections) = (source, passedInspections, failedInspections)
        (self.recordedGrade, self.gradeSince, self.openHazards) = (recordedGrade, gradeSince, openHazards)
    }

    /// The device as a record, with its inspection records merged in. A row whose JSON no
    /// longer parses (edited by hand) is an error naming the device, not a device without
    /// attributes. A major hazard's day is the local day (`local`) it was first raised on.
    public func record(days local: LocalDays) throws(StoreError) -> DeviceRecord {
        let attributes = try Self.scalars(self.attributes, device: id, column: "attributes")
        func days(_ text: String?, _ column: String) throws(StoreError) -> [String: Day] {
            guard let text else { return [:] }
            return try Self.scalars(text, device: id, column: column).compactMapValues { $0.string.flatMap(Day.init(parsing:)) }
        }
        var hazards: [String: Day] = [:]
        if let openHazards {
            hazards = try Self.scalars(openHazards, device: id, column: "open_hazards").compactMapValues { $0.number.map { local.day(Int64($0)) } }
        }
        var inspections = try days(lastInspections, "last_inspections")
        for (kind, day) in try days(passedInspections, "passed_inspections") where inspections[kind].map({ $0 < day }) ?? true {
            inspections[kind] = day
        }
        return DeviceRecord(
            id: id, type: type, gateway: gateway, site: site, owner: owner,
            firm: firm, commissioned: Day(parsing: commissioned) ?? Day(year: 1970, month: 1, day: 1)!,
            lastInspections: inspections, inspectionGrade: recordedGrade ?? inspectionGrade,
            failedInspections: try days(failedInspections, "failed_inspections"), openHazards: hazards,
            gradeSince: gradeSince.flatMap(Day.init(parsing:)), attributes: attributes,
            origin: Origin(file: source ?? "store", line: nil))
    }

    /// Decodes the flat JSON objects the registry import writes for attributes and inspection dates.
    public static func scalars(_ text: String, device: String, column: String) throws(StoreError) -> [String: Scalar] {
        guard let value = try? JSONReader.parse(Array(text.utf8)), case .object(let members) = value else {
            throw StoreError.failed(operation: "loading the device registry", reason: "device \(device): its \(column) column is not a JSON object")
        }
        var out: [String: Scalar] = [:]
        for m in members {
            switch m.value {
            case .bool(let b): out[m.key] = .bool(b)
            case .string(let s): out[m.key] = .string(s)
            default: if let n = m.value.number { out[m.key] = .number(n) }
            }
        }
        return out
    }
}
