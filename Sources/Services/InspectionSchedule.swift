import DeviceCatalog
import Domain
import Inspection
import Records

/// A device's inspection that is due (or overdue) by a given day (`GET /v1/inspections/due`,
/// `equipwatch inspections due`).
public struct InspectionDueItem: ResponseRow, Equatable {
    /// The device's registration code.
    public var device: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The site's id.
    public var site: String
    /// The site's name, for the person reading.
    public var siteName: String?
    /// The maintenance firm's id.
    public var firm: String
    /// The owner's (使用单位) id.
    public var owner: String
    /// What kind it is (a closed vocabulary, per record).
    public var kind: String
    public var last: String?
    public var due: String
    public var overdue: Bool
    var daysLeft: Int
    public var riskGrade: Grade?
    public var basis: String

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case device, type, site, siteName = "site_name", firm, owner, kind, last, due, overdue, daysLeft = "days_left"
        case riskGrade = "risk_grade", basis
    }
}

/// Due inspections from the store's registry and risk grades, and the plan request built from
/// them: the edge between the store and the pure planner.
public enum InspectionSchedule {
    /// Every inspection of every device in `scope` with its due date, by device and kind.
    static func dues(_ inputs: [InspectionInput], types: [String: DeviceType]) -> [(input: InspectionInput, due: InspectionDue)] {
        inputs.flatMap { input -> [(input: InspectionInput, due: InspectionDue)] in
            guard let type = types[input.record.type] else { return [] }
            // A kind covered by another's inspection is not separately due; a failed kind is due
            // again at once (the device must not be used until it passes).
            return InspectionCalendar.dueDates(of: input.record, type: type).filter { $0.coveredBy == nil }.map { d in
                guard let failed = input.record.failedInspections[d.kind] else { return (input, d) }
                return (input, InspectionDue(kind: d.kind, last: d.last, due: failed, mustNotUse: true,
                                             basis: "failed on \(failed): must not be used until it passes"))
            }
        }
    }

    /// Inspections due on or before `until` (overdue ones included), soonest first.
    public static func due(store: any Store, types: [String: DeviceType], today: Day, until: Day,
                           scope: Role = .supervisor) throws -> [InspectionDueItem] {
        try dues(store.inspectionInputs(scope: scope), types: types)
            .filter { $0.due.due <= until || $0.due.isOverdue(on: today) }
            .map { input, d in
                InspectionDueItem(device: input.record.id, type: input.record.type, site: input.record.site, siteName: input.siteName,
                                  firm: input.record.firm, owner: input.record.owner, kind: d.kind, last: d.last?.description,
                                  due: d.due.description, overdue: d.isOverdue(on: today), daysLeft: today.days(to: d.due),
                                  riskGrade: input.grade, basis: d.basis)
            }
            .sorted { ($0.due, $0.device, $0.kind) < ($1.due, $1.device, $1.kind) }
    }

    /// The planner's request for the devices in `scope`. A device that must not be used (safety
    /// grade 5) is planned as overdue.
    public static func request(store: any Store, types: [String: DeviceType], calendar: WorkCalendar, policy: PlanPolicy,
                               from: Day, to: Day, inspectors: Int, inspectionsPerDay: Int, scope: Role = .supervisor) throws -> PlanRequest {
        let dues = dues(try store.inspectionInputs(scope: scope), types: types)
        var sites: [String: String] = [:]
        let items = dues.map { input, d in
            if let name = input.siteName { sites[input.record.site] = name }
            let byOwner = types[input.record.type]?.inspections.first { $0.kind == d.kind }?.performed_by == "owner"
            return PlanItem(device: input.record.id, type: input.record.type, kind: d.kind,
                            due: d.mustNotUse ? min(d.due, from.adding(days: -1)) : d.due, grade: input.grade, site: input.record.site,
                            byOwner: byOwner, owner: input.record.owner)
        }
        return PlanRequest(items: items, siteNames: sites, from: from, to: to, inspectors: inspectors, inspectionsPerDay: inspectionsPerDay,
                           calendar: calendar, policy: policy)
    }
}
