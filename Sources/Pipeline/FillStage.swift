import DeviceCatalog
import Domain
import Ingest
import Inspection

/// The fill check on the worker (traceability, 追溯): every fill record of a cylinder traced
/// through fills is checked against the registry before the rules see it. The check's result is
/// filled into the record's derived fields (`station`, `fill_check`, `fill_problem`) for the
/// rules (`gas_cylinder.fill_refused`), kept as a `fill` event (the cylinder's fill history),
/// and a refused fill sends a `fill_refused` notice to the station's firm.
enum FillStage {
    struct Result {
        let message: AcceptedMessage
        let event: DerivedEvent
        let notice: NoticeDraft?
    }

    static func check(_ m: AcceptedMessage, entry: DirectoryEntry, type: DeviceType, directory: DeviceDirectory) -> Result? {
        guard type.tracedByFills, m.kind == .telemetry, let index = m.stationIndex, index < directory.stations.count else { return nil }
        let station = directory.stations[index]
        var fill: [String: Scalar] = [:]
        for (i, v) in m.values.enumerated() { if let v { fill[type.fields[i].name] = v } }
        let cylinder = FillCheck.Cylinder(commissioned: entry.commissioned, lastInspections: entry.lastInspections,
                                          grade: entry.inspectionGrade, failedInspections: entry.failedInspections,
                                          attributes: entry.attributes)
        let findings = FillCheck.findings(cylinder, type: type, station: station, fill: fill, today: Day(epochMillis: m.ts))
        let refused = !findings.isEmpty
        let problem = findings.map { "\($0.problem.rawValue): \($0.detail)" }.joined(separator: "; ")
        var values = m.values
        func set(_ name: String, _ value: Scalar) { if let i = type.fieldPosition(name) { values[i] = value } }
        set("station", .string(station.id))
        set("fill_check", .string(refused ? "refused" : "ok"))
        set("fill_problem", .string(problem))

        var w = JSONWriter()
        w.add("station", .string(station.id))
        w.add("station_name", .string(station.name))
        w.add("licence", .string(station.licence))
        w.add("result", .string(refused ? "refused" : "ok"))
        w.add("problems", raw: "[" + findings.map { "\"\($0.problem.rawValue)\"" }.joined(separator: ",") + "]")
        if refused { w.add("detail", .string(problem)) }
        w.add("fill", raw: m.data)
        let event = DerivedEvent(deviceNum: m.deviceNum, ts: m.ts, code: .fill, data: w.finish(), receivedAt: m.receivedAt)
        guard refused else { return Result(message: m.with(values: values), event: event, notice: nil) }
        var detail = JSONWriter()
        detail.add("station", .string(station.id))
        detail.add("licence", .string(station.licence))
        detail.add("problems", raw: "[" + findings.map { "\"\($0.problem.rawValue)\"" }.joined(separator: ",") + "]")
        detail.add("filled_at", .string(Timestamp.format(m.ts)))
        let notice = NoticeDraft(
            key: "fill_refused:\(entry.id):\(m.ts)", deviceNum: m.deviceNum, device: entry.id, type: type.id, firm: station.firm,
            kind: .fillRefused, trigger: "fill:\(station.id)",
            reason: "cylinder \(entry.id) filled at \(station.name) although it must not be: \(problem)",
            dueBy: nil, createdAt: m.receivedAt, staleAfterRecord: nil, detail: detail.finish())
        return Result(message: m.with(values: values), event: event, notice: notice)
    }
}
