import DeviceCatalog
import Domain
import Ingest
import Inspection

/// The fill check on the worker (traceability, 追溯): every fill record of a cylinder traced
/// through fills is checked against the registry before the rules see it. The check's result is
/// filled into the record's derived fields (`station`, `fill_check`, `fill_problem`) for the
/// rules (`gas_cylinder.fill_refused`), kept as a `fill` event (the cylinder's fill history),
/// and a refused fill sends a `fill_refused` notice to the station's firm — once per cylinder,
/// station and day (every refused fill is in the history and keeps the incident open; a station
/// that refills the same cylinder all day is one notice, not a flood).
///
/// What the registry says about a cylinder at a station (inspection, service life, scrapped,
/// licence) changes by the day, not by the fill: it is checked once per cylinder, station and
/// day and kept; the fill's own values are checked every time.
final class FillStage {
    /// The days a fill is checked by (the station's local day).
    private let days: LocalDays

    init(days: LocalDays) { self.days = days }

    struct Result {
        let message: AcceptedMessage
        let event: DerivedEvent
        /// The fill's refusal and the filler's missing certificate, each once a day.
        let notices: [NoticeDraft]
    }

    private struct Cached {
        let day: Day
        let station: Int
        let findings: [FillFinding]
        /// The station's firm was told today (the notice's key makes it once-only anyway; this
        /// saves building the notice again for every refused fill).
        var notified = false
    }

    /// By directory entry index; dropped with the directory it was computed against.
    private var cache: [Int: Cached] = [:]
    /// The directory `cache` and `positions` were computed against. A strong reference, let go
    /// by `reload()`: a weak one gave the directory a side table, which sent every retain and
    /// release of it, on every stage of every message, down the runtime's slow path.
    private var directory: DeviceDirectory?

    /// Forgets what was computed against the previous registry (called when it is replaced).
    func reload() {
        cache.removeAll()
        positions.removeAll()
        directory = nil
    }
    /// Positions of the fields the fill checks read and the derived ones, by type index.
    private var positions: [Int: (read: [(String, Int)], station: Int?, check: Int?, problem: Int?, filler: Int?)] = [:]
    /// Stations told today of a filler without a valid certificate, by station and certificate.
    private var fillerNotified: Set<String> = []
    private var fillerDay: Day?

    /// The check of one fill record; the message with its derived fields filled in is written
    /// into `arena` (the worker's, so a fill allocates no values of its own).
    func check(_ m: AcceptedMessage, entry: DirectoryEntry, type: DeviceType, directory: DeviceDirectory,
               arena: inout ArenaWriter<Scalar?>) -> Result? {
        guard type.tracedByFills, m.kind == .telemetry, let index = m.stationIndex, index < directory.stations.count else { return nil }
        if self.directory !== directory {
            cache.removeAll()
            positions.removeAll()
            self.directory = directory
        }
        let station = directory.stations[index]
        let p = positions[entry.typeIndex] ?? {
            let p = (read: FillCheck.fillFields.compactMap { name in type.fieldPosition(name).map { (name, $0) } },
                     station: type.fieldPosition("station"), check: type.fieldPosition("fill_check"), problem: type.fieldPosition("fill_problem"),
                     filler: type.fieldPosition("filler_cert"))
            positions[entry.typeIndex] = p
            return p
        }()
        var fill: [String: Scalar] = [:]
        for (name, i) in p.read where i < m.values.count { if let v = m.values[i] { fill[name] = v } }
        let today = days.day(m.ts)
        var cached: Cached
        if let c = cache[entry.index], c.day == today, c.station == index {
            cached = c
        } else {
            let cylinder = FillCheck.Cylinder(commissioned: entry.commissioned, lastInspections: entry.lastInspections,
                                              grade: entry.inspectionGrade, failedInspections: entry.failedInspections,
                                              attributes: entry.attributes)
            cached = Cached(day: today, station: index, findings: FillCheck.findings(cylinder, type: type, station: station, fill: [:], today: today))
        }
        let own = FillCheck.fillFindings(entry.attributes, fill: fill)
        let findings = own.isEmpty ? cached.findings : cached.findings + own
        let refused = !findings.isEmpty
        let problem = refused ? findings.map { "\($0.problem.rawValue): \($0.detail)" }.joined(separator: "; ") : ""
        let problems = refused ? "[" + findings.map { "\"\($0.problem.rawValue)\"" }.joined(separator: ",") + "]" : "[]"
        let n = m.values.count
        let (block, start) = m.values.withUnsafeBufferPointer { arena.append(contentsOf: $0) }
        let slots = block.base + start
        if let i = p.station, i < n { slots[i] = .string(station.id) }
        if let i = p.check, i < n { slots[i] = .string(refused ? "refused" : "ok") }
        if let i = p.problem, i < n { slots[i] = .string(problem) }

        var w = JSONWriter()
        w.add("station", .string(station.id))
        w.add("station_name", .string(station.name))
        w.add("licence", .string(station.licence))
        w.add("result", .string(refused ? "refused" : "ok"))
        w.add("problems", raw: problems)
        if refused { w.add("detail", .string(problem)) }
        // The filler's certificate (TSG Z6001-2019, P 气瓶充装): a fill by someone without a valid one
        // is stored like any other and flagged; the station's firm gets a notice.
        var fillerProblem: CertificateProblem?
        if !type.fillerCertificates.isEmpty {
            var number: String?
            if let i = p.filler, i < n, case .string(let text)? = m.values[i] { number = text }
            fillerProblem = CertificateRule.problem(number: number, needs: type.fillerCertificates, on: today, reporter: .firm(station.firm),
                                                    lookup: { directory.certificates[$0] })
            if let number { w.add("filler_cert", .string(number)) }
            if let problem = fillerProblem {
                w.add("filler_problem", .string(problem.code))
                w.add("filler_detail", .string(problem.description))
            }
        }
        w.add("fill", raw: m.data.string)
        let event = DerivedEvent(deviceNum: m.deviceNum, ts: m.ts, code: .fill, data: w.finish(), receivedAt: m.receivedAt)
        var notice: NoticeDraft?
        if refused, !cached.notified {
            cached.notified = true
            var detail = JSONWriter()
            detail.add("station", .string(station.id))
            detail.add("licence", .string(station.licence))
            detail.add("problems", raw: problems)
            detail.add("filled_at", .string(Timestamp.format(m.ts)))
            notice = NoticeDraft(
                key: "fill_refused:\(entry.id):\(station.id):\(today)", deviceNum: m.deviceNum, device: entry.id, type: type.id,
                firm: station.firm, kind: .fillRefused, trigger: "fill:\(station.id)",
                reason: Prose(.fillRefused, [("cylinder", entry.id), ("station", station.id), ("problems", findings.map(\.problem.rawValue).joined(separator: ","))],
                              en: "cylinder \(entry.id) filled at \(station.name) although it must not be: \(problem)",
                              zh: "气瓶 \(entry.id) 在 \(station.name) 充装，但该气瓶不得充装：" + findings.map { "\($0.problem.chinese)（\($0.detail)）" }.joined(separator: "；")),
                dueBy: nil, createdAt: m.receivedAt, staleAfterRecord: nil, detail: detail.finish())
        }
        cache[entry.index] = cached
        var fillerNotice: NoticeDraft?
        if let problem = fillerProblem {
            if fillerDay != today { fillerNotified.removeAll(); fillerDay = today }
            let number: String
            switch problem {
            case .missing: number = "-"
            case .unknown(let x), .expired(let x, _, _), .wrongItem(let x, _, _), .otherEmployer(let x, _): number = x
            }
            if fillerNotified.insert(station.id + "\u{1f}" + number).inserted {
                var detail = JSONWriter()
                detail.add("station", .string(station.id))
                detail.add("filler_cert", .string(number))
                detail.add("problem", .string(problem.code))
                detail.add("filled_at", .string(Timestamp.format(m.ts)))
                fillerNotice = NoticeDraft(
                    key: "filler_uncertified:\(station.id):\(number):\(today)", deviceNum: m.deviceNum, device: entry.id, type: type.id,
                    firm: station.firm, kind: .fillerUncertified, trigger: "fill:\(station.id)",
                    reason: Prose(.fillerUncertified, [("station", station.id), ("filler_cert", number), ("problem", problem.code)],
                                  en: "cylinder \(entry.id) filled at \(station.name) by a filler without a valid certificate: \(problem.description)",
                                  zh: "气瓶 \(entry.id) 在 \(station.name) 由无有效证件人员充装：\(problem.chinese)"),
                    dueBy: nil, createdAt: m.receivedAt, staleAfterRecord: nil, detail: detail.finish())
            }
        }
        return Result(message: m.with(values: FieldValues(block: block, start: start, count: n)), event: event,
                      notices: [notice, fillerNotice].compactMap { $0 })
    }
}
