/// The outcome of a statutory inspection.
public enum InspectionResult: String, Sendable, Codable, CaseIterable {
    case pass, fail
}

/// Where an inspection record came from: the registry's `last_inspections` (seeded at import),
/// `equipwatch inspections record`, or `POST /v1/inspections`.
public enum InspectionSource: String, Sendable, Codable, CaseIterable {
    case registry, cli, api
}

/// One recorded statutory inspection (SPEC §12). Records move due dates, set the safety grade
/// (pressure vessels) and a failure makes the device must-not-use until a pass of that kind.
public struct InspectionRecord: Sendable, Hashable {
    /// The device's registration code.
    public let device: String
    /// What kind it is (a closed vocabulary, per record).
    public let kind: String
    public let date: Day
    public let result: InspectionResult
    /// Inspection safety grade (pressure vessels 1–5), when the inspection gives one.
    public let grade: Int?
    /// The inspector and the inspection organisation (检验机构), and the report's number.
    public let inspector: String?
    /// The organisation of the person recording it.
    public let organisation: String?
    public let reportNumber: String?
    /// Who produced it (per record: the device or the pipeline, the API, MQTT or the CLI).
    public let source: InspectionSource
    /// Who recorded it: the token's name for the API, the OS user or `--by` for the CLI.
    public let recordedBy: String

    public init(device: String, kind: String, date: Day, result: InspectionResult, grade: Int?, inspector: String?,
                organisation: String?, reportNumber: String?, source: InspectionSource, recordedBy: String) {
        (self.device, self.kind, self.date, self.result, self.grade) = (device, kind, date, result, grade)
        (self.inspector, self.organisation, self.reportNumber, self.source) = (inspector, organisation, reportNumber, source)
        self.recordedBy = recordedBy
    }
}
