import DeviceCatalog
import Domain
import Ingest
import Presentation
import Records

/// Everything about one device, in titled sections (`equipwatch devices show`, `GET
/// /v1/devices/{id}`): registry data, last contact, risk grade with its factors and history,
/// maintenance status and counters, notices, open alarms, inspections with due dates, major
/// hazards with the steps of their closure.
public enum DeviceReport {
    /// The sections that describe the one device (at most one row), not a list of things.
    public static let records: Set<String> = ["device", "risk", "maintenance"]

    /// nil when the device is not registered or outside `scope` (the caller answers "not found"
    /// either way, so a firm learns nothing about other firms' devices).
    public static func sections(store: any Store, types: [String: DeviceType], device id: String, scope: Role = .supervisor,
                                language: Language = .en, now: Int64) throws -> [(title: String, table: ResultTable)]? {
        try store.snapshot { try build(store: store, types: types, device: id, scope: scope, language: language, now: now) }
    }

    private static func build(store: any Store, types: [String: DeviceType], device id: String, scope: Role,
                              language: Language, now: Int64) throws -> [(title: String, table: ResultTable)]? {
        var one = DeviceFilter()
        one.id = id
        one.scope = scope
        one.language = language
        let device = try store.devices(one, limit: 1)
        guard !device.isEmpty else { return nil }
        let inspections = try store.registeredDevice(id).flatMap { d in
            types[d.record.type].map { InspectionItem.dueDates(d.record, type: $0, today: store.localDays.day(now)) }
        } ?? []
        let risk = try store.riskDetail(device: id)
        let maintenance = try store.maintenanceStatus(device: id)
        var notices = NoticeFilter()
        notices.device = id
        notices.language = language
        var alarms = AlarmFilter()
        alarms.device = id
        alarms.language = language
        alarms.state = .open
        var hazards = HazardFilter(device: id)
        hazards.scope = scope
        return [
            ("device", ResultTable(device)),
            ("risk", ResultTable(risk.grade.map { [$0] } ?? [])), ("risk_factors", ResultTable(risk.factors)),
            ("risk_history", ResultTable(try store.riskHistory(device: id, limit: 20))),
            ("maintenance", ResultTable(maintenance.status.map { [$0] } ?? [])), ("counters", ResultTable(maintenance.counters)),
            ("notices", ResultTable(try store.notices(notices))), ("open_alarms", ResultTable(try store.alarms(alarms))),
            ("last_readings", ResultTable(try store.readings(device: id, from: nil, to: nil, limit: 10))),
            ("inspections", ResultTable(inspections)),
            ("inspection_history", ResultTable(try store.inspectionHistory(device: id, scope: scope))),
            ("hazards", ResultTable(try store.hazards(hazards))),
            ("hazard_timeline", ResultTable(try store.hazardSteps(device: id, scope: scope))),
            ("fields", ResultTable(types[device[0].type].map { $0.fields.filter { !$0.derived }.map(FieldItem.init) } ?? [])),
        ]
    }
}

/// One telemetry field of a device's type, so a reader can show readings as a table with units.
public struct FieldItem: ResponseRow, Equatable {
    /// The field's name in a reading's `data`.
    public var field: String
    /// Its value type (`number`, `int`, `bool`, `string`, `enum`).
    public var kind: String
    /// Its unit (`m/s`, `MPa`...), if it has one.
    public var unit: String?
    /// What it measures.
    public var description: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable { case field, kind, unit, description }

    init(_ f: FieldSpec) { (field, kind, unit, description) = (f.name, f.kind.rawValue, f.unit, f.description) }
}
