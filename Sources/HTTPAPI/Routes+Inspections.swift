import Domain
import Foundation
import Hummingbird
import Inspection
import Services
import Presentation
import Records

/// The formats of the inspection plan.
enum PlanOutput: String, CaseIterable {
    case json, csv, ics
}

extension APIServer {
    /// `/v1/inspections/due` and `/v1/inspections/schedule`, within the caller's scope (a firm's
    /// or owner's token plans its own devices only).
    func addInspectionRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.get("inspections/due") { request, context in
            let (caller, p) = try context.caller(request)
            let within = try p.int("within", in: 0...3650, default: 30)
            let format = try p.format()
            let heading = ResultTable(columns: try p.csvHeader(InspectionDueItem.columnNames), rows: []).csv()
            let today = store.localDays.day(wallMillis())
            let types = self.types()
            let rows = try await store.access { store in
                try InspectionSchedule.due(store: store, types: types, today: today, until: today.adding(days: within), scope: caller.role)
            }
            switch format {
            case .json: return Listing.page(rows)
            case .csv:
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: heading + ResultTable(rows).csv(header: false, zone: Listing.zone))))
            }
        }

        v1.get("inspections/schedule") { request, context in
            let (caller, p) = try context.caller(request)
            let from = try p.day("from") ?? store.localDays.day(wallMillis())
            let to = try p.day("to") ?? from.adding(days: 90)
            guard from <= to else { throw APIError.badParameter("to", "\(to) is before from (\(from))") }
            guard from.days(to: to) <= 731 else { throw APIError.badParameter("to", "plan at most two years at a time") }
            let inspectors = try p.int("inspectors", in: 0...1000, default: 2)
            let perDay = try p.int("per_day", in: 0...100, default: 4)
            let format = try p.choice("format", PlanOutput.self) ?? .json
            _ = try p.header()   // a bad `header` is a 400 whatever the format
            let inspector = try p.values["inspector"] == nil ? nil : p.int("inspector", in: 1...1000, default: 1)
            let (calendar, policy) = self.planning()
            let types = self.types()
            let plan = InspectionPlanner.plan(try await store.access { store in
                try InspectionSchedule.request(store: store, types: types, calendar: calendar, policy: policy, from: from, to: to,
                                               inspectors: inspectors, inspectionsPerDay: perDay, scope: caller.role)
            })
            switch format {
            case .json: return Listing.json(plan.json())
            case .csv:
                // The plan's CSV has days, not instants; its headings as `header=` asks.
                var lines = plan.csv().split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                lines[0] = try p.csvHeader(lines[0].split(separator: ",").map(String.init)).joined(separator: ",")
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n"))))
            case .ics:
                return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: plan.ics(stamp: wallMillis(), inspector: inspector))))
            }
        }
    }
}

extension APIServer {
    /// `POST /v1/inspections` (supervisors: inspection results come from the inspection body)
    /// and `GET /v1/devices/{id}/inspections` (within scope).
    func addInspectionRecordRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.post("inspections") { request, context in
            let caller = try context.requireSupervisor()
            let body = try await Self.inspectionBody(request)
            let record = InspectionRecord(device: body.device, kind: body.kind, date: body.date, result: body.result, grade: body.grade,
                                          inspector: body.inspector, organisation: body.organisation, reportNumber: body.reportNumber,
                                          source: .api, recordedBy: body.by ?? caller.name)
            let recorded: (id: Int64, mustNotUse: MustNotUseReason?, words: Prose?)?
            let (types, topics) = (self.types(), self.topics)
            do { recorded = try await store.access { try $0.record(inspection: record, types: types, topics: topics, now: wallMillis()) } }
            catch let e as InspectionRecordError { throw APIError.badParameter(e.field, e.message) }
            guard let (id, _, reason) = recorded else { throw APIError.notFound("no device \(body.device)") }
            var w = JSONWriter()
            w.add("id", id)
            w.add("device", .string(body.device))
            w.add("kind", .string(body.kind))
            w.add("date", .string(body.date.description))
            w.add("result", .string(body.result.rawValue))
            if let g = body.grade { w.add("grade", Int64(g)) }
            w.add("must_not_use", .bool(reason != nil))
            if let reason { w.add("must_not_use_reason", .string(reason.text(Params.language(request)))) }
            return Response(status: .created, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: w.finish() + "\n")))
        }

        v1.get("devices/{id}/inspections") { _, context in
            let caller = try context.caller()
            let id = try context.parameters.require("id")
            try await self.requireDevice(id, caller)
            let rows = try await store.access { try $0.inspectionHistory(device: id, scope: caller.role) }
            return Listing.page(rows)
        }

        // A gas cylinder's fills, newest first (traceability): station, filler, masses, the fill check.
        v1.get("cylinders/{id}/fills") { request, context in
            let caller = try context.caller()
            let id = try context.parameters.require("id")
            let limit = try Params(request).limit()
            try await self.requireDevice(id, caller)
            return Listing.page(try await store.access { try $0.fills(device: id, limit: limit, scope: caller.role) })
        }
    }

    struct InspectionBody {
        let device: String
        let kind: String
        let date: Day
        let result: InspectionResult
        let grade: Int?
        let inspector: String?
        let organisation: String?
        let reportNumber: String?
        let by: String?
    }

    /// `{"device", "kind", "date", "result", "grade", "inspector", "organisation", "report_no", "by"}`.
    static func inspectionBody(_ request: Request) async throws -> InspectionBody {
        struct Body: Decodable {
            let device: String?, kind: String?, date: String?, result: String?, grade: Int?
            let inspector: String?, organisation: String?, report_no: String?, by: String?
        }
        let buffer = try await request.body.collect(upTo: 65_536)
        let b: Body
        do { b = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)) }
        catch {
            throw APIError.badParameter("body", "expected {\"device\": ID, \"kind\": KIND, \"date\": \"YYYY-MM-DD\", \"result\": \"pass\"|\"fail\", \"grade\": 1-5, ...}")
        }
        guard let device = b.device, !device.isEmpty, device.unicodeScalars.count <= 64 else {
            throw APIError.badParameter("device", "required: the device's registration code")
        }
        guard let kind = b.kind, !kind.isEmpty, kind.unicodeScalars.count <= 64 else {
            throw APIError.badParameter("kind", "required: an inspection kind of the device's type")
        }
        guard let text = b.date, let date = Day(parsing: text) else { throw APIError.badParameter("date", "required: a date YYYY-MM-DD") }
        guard let r = b.result, let result = InspectionResult(rawValue: r) else { throw APIError.badParameter("result", "required: pass or fail") }
        return InspectionBody(device: device, kind: kind, date: date, result: result, grade: b.grade, inspector: b.inspector,
                              organisation: b.organisation, reportNumber: b.report_no, by: b.by)
    }
}

extension APIServer {
    /// `GET /v1/stats?from&to&by=type,month,...` or `?year=2026`: the statistics within scope.
    func addStatsRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store
        v1.get("stats") { request, context in
            let (caller, p) = try context.caller(request)
            let now = wallMillis()
            let (from, to, dimensions) = try Self.statsPeriod(p, now: now, days: store.localDays)
            let insured = self.planning().policy.insuredTypes
            let sections = try await store.access { store in
                try StatsReport.sections(store: store, from: from, to: to, dimensions: dimensions, scope: caller.role, now: now, insuredTypes: insured)
            }
            return Listing.json(ResultTable.json(sections: sections))
        }
    }

    static func statsPeriod(_ p: Params, now: Int64, days: LocalDays) throws -> (Int64, Int64, [StatsDimension]) {
        var dimensions: [StatsDimension]?
        if let by = try p.string("by") {
            dimensions = try by.split(separator: ",", omittingEmptySubsequences: false).map { name in
                guard let d = StatsDimension(rawValue: String(name)) else {
                    throw APIError.badParameter("by", "'\(name.prefix(32))' is not one of \(StatsDimension.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return d
            }
        }
        if p.values["year"] != nil {
            guard p.values["from"] == nil, p.values["to"] == nil else { throw APIError.badParameter("year", "give year or from/to, not both") }
            let year = try p.int("year", in: StatsReport.years, default: 2026)
            guard let (from, to) = StatsReport.year(year, in: days) else { throw APIError.badParameter("year", "out of range") }
            return (from, to, dimensions ?? StatsReport.yearly)
        }
        let to = try p.time("to", in: days) ?? now
        let from = try p.time("from", in: days) ?? to - 365 * 86_400_000
        guard from < to else { throw APIError.badParameter("to", "must be after from") }
        return (from, to, dimensions ?? StatsReport.defaultDimensions)
    }
}
