import Domain
import DeviceCatalog

/// Why a gas cylinder must not have been filled (traceability, 追溯; TSG 23-2021): each is a
/// critical incident at the station that filled it.
public enum FillProblem: String, Sendable, CaseIterable, Codable {
    /// A periodic inspection is overdue, failed, or forbids use.
    case inspectionOverdue = "inspection_overdue"
    /// Past its design service life (and any extension granted).
    case pastServiceLife = "past_service_life"
    /// Registered as scrapped (报废).
    case scrapped
    /// The station's licence does not cover the cylinder's gas.
    case wrongGasForStation = "wrong_gas_for_station"
    /// The fill record names another gas than the cylinder is registered for.
    case wrongGasForCylinder = "wrong_gas_for_cylinder"
    /// Filled above its nominal pressure, or above its maximum fill mass.
    case overfilled
    /// The pre-fill check failed and the cylinder was filled anyway.
    case preFillCheckFailed = "pre_fill_check_failed"

    /// Its name in Chinese (TSG 23-2021 terms).
    public var chinese: String {
        switch self {
        case .inspectionOverdue: "定期检验逾期或不合格"
        case .pastServiceLife: "超过设计使用年限"
        case .scrapped: "已报废"
        case .wrongGasForStation: "充装单位许可不含该介质"
        case .wrongGasForCylinder: "错装介质"
        case .overfilled: "超装"
        case .preFillCheckFailed: "充装前检查不合格"
        }
    }
}

/// One finding of a fill check: the problem and the figures behind it, for people.
public struct FillFinding: Sendable, Equatable {
    public let problem: FillProblem
    public let detail: String
}

/// The checks a filling station must make before it fills a cylinder, run by the pipeline on
/// every fill record with the registry's view of the cylinder. Pure.
///
/// The fill record's fields (`Devices/types/gas_cylinder.yaml`, `docs/contract.md`): `gas`,
/// `pre_fill_check` (pass/fail), `fill_pressure_mpa`, `net_kg`; the cylinder's attributes: `gas`,
/// `nominal_pressure_mpa`, `max_fill_kg` (optional), `scrapped` (optional), the service-life
/// table's attributes and the date it counts from.
public enum FillCheck {
    /// What the registry says about the cylinder.
    public struct Cylinder: Sendable {
        public var commissioned: Day
        public var lastInspections: [String: Day]
        public var grade: Int?
        public var failedInspections: [String: Day]
        public var attributes: [String: Scalar]

        public init(commissioned: Day, lastInspections: [String: Day], grade: Int?, failedInspections: [String: Day],
                    attributes: [String: Scalar]) {
            (self.commissioned, self.lastInspections, self.grade) = (commissioned, lastInspections, grade)
            (self.failedInspections, self.attributes) = (failedInspections, attributes)
        }
    }

    /// Every problem with filling `cylinder` at `station` on `today`, given the fill record's
    /// values by field name; empty when the fill was in order.
    public static func findings(_ cylinder: Cylinder, type: DeviceType, station: FillingStation, fill: [String: Scalar],
                                today: Day) -> [FillFinding] {
        var out: [FillFinding] = []
        let a = cylinder.attributes
        let gas = a["gas"]?.string
        if a["scrapped"] == .bool(true) {
            out.append(FillFinding(problem: .scrapped, detail: "the cylinder is registered as scrapped"))
        }
        if let (kind, day) = cylinder.failedInspections.min(by: { $0.value < $1.value }) {
            out.append(FillFinding(problem: .inspectionOverdue, detail: "its \(kind) inspection failed on \(day)"))
        } else if let d = InspectionCalendar.dueDates(policies: type.inspections, commissioned: cylinder.commissioned,
                                                      lastInspections: cylinder.lastInspections, grade: cylinder.grade,
                                                      attributes: a).filter({ $0.isOverdue(on: today) }).min(by: { $0.due < $1.due }) {
            out.append(FillFinding(problem: .inspectionOverdue, detail: "its \(d.kind) inspection was due \(d.due)"))
        }
        if let end = serviceLifeEnd(cylinder, type: type), end.day <= today {
            out.append(FillFinding(problem: .pastServiceLife, detail: "its service life ended \(end.day) (\(end.basis))"))
        }
        if let gas, !station.gases.contains(gas) {
            out.append(FillFinding(problem: .wrongGasForStation,
                                   detail: "station \(station.id) (licence \(station.licence)) may fill \(station.gases.joined(separator: ", ")), not \(gas)"))
        }
        return out + fillFindings(a, fill: fill)
    }

    /// The fill record's fields `fillFindings` reads.
    public static let fillFields = ["gas", "fill_pressure_mpa", "net_kg", "pre_fill_check"]

    /// The checks on the fill record's own values (gas, pressure, mass, pre-fill check), which
    /// change with every fill; the rest of `findings` depends on the registry and the day only.
    public static func fillFindings(_ a: [String: Scalar], fill: [String: Scalar]) -> [FillFinding] {
        guard !fill.isEmpty else { return [] }
        var out: [FillFinding] = []
        let gas = a["gas"]?.string
        if let filled = fill["gas"]?.string, let gas, filled != gas {
            out.append(FillFinding(problem: .wrongGasForCylinder, detail: "filled with \(filled), registered for \(gas)"))
        }
        if let p = fill["fill_pressure_mpa"]?.number, let nominal = a["nominal_pressure_mpa"]?.number, p > nominal {
            out.append(FillFinding(problem: .overfilled, detail: "filled to \(formatNumber(p)) MPa, nominal \(formatNumber(nominal)) MPa"))
        } else if let net = fill["net_kg"]?.number, let limit = a["max_fill_kg"]?.number, net > limit {
            out.append(FillFinding(problem: .overfilled, detail: "filled with \(formatNumber(net)) kg, at most \(formatNumber(limit)) kg"))
        }
        if fill["pre_fill_check"]?.string == "fail" {
            out.append(FillFinding(problem: .preFillCheckFailed, detail: "filled although the pre-fill check failed"))
        }
        return out
    }

    /// The day the cylinder's service life ends and how that was worked out: the type's table
    /// row (plus the one extension when granted), else the `design_life_years` attribute;
    /// counted from the table's `counts_from` date attribute (`manufactured`), else commissioning.
    public static func serviceLifeEnd(_ cylinder: Cylinder, type: DeviceType) -> (day: Day, basis: String)? {
        let a = cylinder.attributes
        let life = type.serviceLife
        var start = cylinder.commissioned
        var from = "commissioned"
        if let name = life?.counts_from, let text = a[name]?.string, let day = Day(parsing: text) {
            start = day
            from = name
        }
        if let row = life?.row(for: a) {
            let extended = life?.extended_by.map { a[$0] == .bool(true) } ?? false
            let years = row.years + (extended ? row.extension_years ?? 0 : 0)
            let what = row.when.sorted { $0.key < $1.key }.map { "\($0.value)" }.joined(separator: ", ")
            return (start.adding(years: years), "\(row.years) years for \(what)" + (extended ? " + \(row.extension_years ?? 0) extended" : "")
                        + ", from \(from) \(start)")
        }
        guard let years = a["design_life_years"]?.number, years > 0 else { return nil }
        return (start.adding(years: Int(years)), "design life \(Int(years)) years from \(from) \(start)")
    }
}
