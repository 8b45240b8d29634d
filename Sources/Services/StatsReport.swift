import Domain
import Presentation
import Records

/// Trapped-passenger response of one firm (SPEC §12). The response is the time from the alarm
/// firing to the firm's arrival: its on-site acknowledgement, or the resolution when that came
/// first or no acknowledgement did (TSG T5002 asks the firm to be on site within the deadline);
/// the time to the passengers' release (the resolution) is its own median. Within the deadline
/// when the arrival came in time.
public struct RescueResponseItem: ResponseRow, Equatable {
    /// The maintenance firm's id.
    public var firm: String
    /// The firm's name, for the person reading.
    public var firmName: String?
    public var trapped: Int
    public var resolved: Int
    /// Minutes from firing to arrival (on site, or resolved if earlier): median and 90th percentile.
    public var medianResponseMin: Double?
    public var p90ResponseMin: Double?
    /// Minutes from firing to the on-site acknowledgement, over the rescues that have one.
    public var medianOnSiteMin: Double?
    /// Minutes from firing to the resolution (passengers released), over the resolved rescues.
    public var medianResolvedMin: Double?
    public var withinDeadline: Int
    /// withinDeadline ÷ the rescues whose outcome is known (reached, resolved or past the deadline).
    public var shareWithin: Double?
    public var missed: Int
    /// Still running: not reached, not resolved, deadline not yet passed.
    public var running: Int

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case firm, firmName = "firm_name", trapped, resolved, medianResponseMin = "median_response_min",
             p90ResponseMin = "p90_response_min", medianOnSiteMin = "median_on_site_min", medianResolvedMin = "median_resolved_min",
             withinDeadline = "within_deadline", shareWithin = "share_within", missed, running
    }

    /// Per firm, from raw rescue clocks, at `now`. Quantiles are nearest-rank on minutes.
    public static func summarize(_ rows: [RescueRow], now: Int64) -> [RescueResponseItem] {
        Dictionary(grouping: rows, by: \.firm).sorted { $0.key < $1.key }.map { firm, rs in
            var item = RescueResponseItem(firm: firm, firmName: rs.first?.firmName, trapped: rs.count, resolved: 0, withinDeadline: 0,
                                          missed: 0, running: 0)
            var responses: [Double] = [], onSite: [Double] = [], resolved: [Double] = []
            for r in rs {
                if let res = r.resolvedAt { item.resolved += 1; resolved.append(Double(res - r.firedAt) / 60_000) }
                if let o = r.onSiteAt { onSite.append(Double(o - r.firedAt) / 60_000) }
                let reached = [r.onSiteAt, r.resolvedAt].compactMap { $0 }.min()
                if let reached { responses.append(Double(reached - r.firedAt) / 60_000) }
                if let reached, reached - r.firedAt <= r.withinMs { item.withinDeadline += 1 }
                else if reached != nil || now > r.firedAt + r.withinMs { item.missed += 1 }
                else { item.running += 1 }
            }
            item.medianResponseMin = quantile(responses, 0.5)
            item.p90ResponseMin = quantile(responses, 0.9)
            item.medianOnSiteMin = quantile(onSite, 0.5)
            item.medianResolvedMin = quantile(resolved, 0.5)
            let decided = item.withinDeadline + item.missed
            item.shareWithin = decided == 0 ? nil : (Double(item.withinDeadline) / Double(decided) * 1000).rounded() / 1000
            return item
        }
    }

    /// Nearest-rank quantile, rounded to 0.1; nil for no values.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
        return (sorted[min(rank, sorted.count) - 1] * 10).rounded() / 10
    }
}

/// The statistics for supervisors and the yearly accident report (`equipwatch stats`, `GET
/// /v1/stats`), in titled sections, within the caller's scope.
public enum StatsReport {
    /// [from, to) in epoch ms; `dimensions` are the alarm/incident breakdowns to include.
    /// `insuredTypes`: the types whose insurance coverage is given (as of the period's last day,
    /// or today when the period has not ended).
    public static func sections(store: any Store, from: Int64, to: Int64, dimensions: [StatsDimension], scope: Role,
                                now: Int64, insuredTypes: Set<String> = []) throws -> [(title: String, table: ResultTable)] {
        var out: [(title: String, table: ResultTable)] = []
        out.append(("period", ResultTable(columns: ["from", "to"], rows: [[.time(from), .time(to)]])))
        for d in dimensions {
            out.append(("alarms_by_\(d.rawValue)", ResultTable(try store.alarmCounts(by: d, from: from, to: to, scope: scope))))
        }
        for d in AccidentDimension.allCases {
            out.append(("accidents_by_\(d.rawValue)", ResultTable(try store.accidentCounts(by: d, from: from, to: to, scope: scope))))
        }
        out.append(("rescue_response", ResultTable(RescueResponseItem.summarize(try store.rescues(from: from, to: to, scope: scope), now: now))))
        out.append(("maintenance_on_time", ResultTable(try store.maintenanceTimeliness(from: from, to: to, now: now, scope: scope))))
        let days = store.localDays
        out.append(("inspections", ResultTable([try store.inspectionStats(from: days.day(from), to: days.day(to - 1), scope: scope)])))
        out.append(("risk_grades", ResultTable(try store.gradeCounts(scope: scope))))
        // Owners' routine (SAMR Order 74) over the period: the periods that ended in it.
        out.append(("routine_compliance", ResultTable(try store.routineCompliance(from: days.day(from), through: days.day(to - 1),
                                                                                   today: days.day(now), scope: scope))))
        if !insuredTypes.isEmpty {
            let day = days.day(min(to - 1, now))
            out.append(("insurance_coverage", ResultTable(try store.insuranceCoverage(types: insuredTypes, today: day, scope: scope))))
        }
        return out
    }

    /// The yearly accident report's tables: by month, type, severity and firm.
    public static let yearly: [StatsDimension] = [.month, .type, .severity, .firm]
    /// Without a choice: by type and severity.
    public static let defaultDimensions: [StatsDimension] = [.type, .severity]

    /// The calendar years a report may ask for (the year after must still be a `Day`).
    public static let years: ClosedRange<Int> = 2000...2998

    /// A calendar year as [from, to) in epoch ms, from local midnight on 1 January (`days`: the
    /// local days, as the months of the statistics); nil outside `years`.
    public static func year(_ y: Int, in days: LocalDays) -> (from: Int64, to: Int64)? {
        guard years.contains(y), let first = Day(year: y, month: 1, day: 1),
              let next = Day(year: y + 1, month: 1, day: 1) else { return nil }
        return (days.start(first), days.start(next))
    }
}
