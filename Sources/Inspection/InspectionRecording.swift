import Domain
import DeviceCatalog

/// Why an inspection result cannot be recorded; `field` names what to fix (CLI option or JSON key).
public struct InspectionRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "\(field): \(message)" }

    public init(field: String, message: String) { (self.field, self.message) = (field, message) }
}

/// Checks an inspection result against the device's type before it is kept (SPEC §12). Pure.
public enum InspectionRecording {
    /// Checks a result against the device's type (kind, grade, date); the error names the field.
    public static func check(_ r: InspectionRecord, device: DeviceRecord, type: DeviceType, today: Day) throws(InspectionRecordError) {
        guard let policy = type.inspections.first(where: { $0.kind == r.kind }) else {
            throw InspectionRecordError(field: "kind", message: "'\(r.kind)' is not an inspection kind of type \(type.id) (kinds: \(type.inspections.map(\.kind).joined(separator: ", ")))")
        }
        if r.date > today { throw InspectionRecordError(field: "date", message: "\(r.date) is in the future (today is \(today))") }
        if r.date < device.commissioned {
            throw InspectionRecordError(field: "date", message: "\(r.date) is before the device was commissioned (\(device.commissioned))")
        }
        if let g = r.grade {
            guard let grades = policy.by_grade else {
                throw InspectionRecordError(field: "grade", message: "a \(r.kind) inspection of type \(type.id) gives no safety grade")
            }
            guard (1...grades.count).contains(g) else {
                throw InspectionRecordError(field: "grade", message: "safety grade must be 1 to \(grades.count), not \(g)")
            }
        } else if policy.by_grade != nil, r.result == .pass {
            throw InspectionRecordError(field: "grade", message: "a passed \(r.kind) inspection of type \(type.id) sets the safety grade: give it (1 to \(policy.by_grade!.count))")
        }
        for (name, value) in [("inspector", r.inspector), ("organisation", r.organisation), ("report_no", r.reportNumber), ("by", r.recordedBy)] {
            if let v = value, v.unicodeScalars.count > 200 { throw InspectionRecordError(field: name, message: "at most 200 characters") }
        }
        // The inspector and the inspection organisation (检验机构) are named on every record made by
        // a person: who answers for the result.
        for (name, value) in [("inspector", r.inspector), ("organisation", r.organisation)] where (value ?? "").allSatisfy(\.isWhitespace) {
            throw InspectionRecordError(field: name, message: "required: name the \(name == "inspector" ? "inspector (检验人员)" : "inspection organisation (检验机构)")")
        }
    }
}
