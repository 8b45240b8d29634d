import Domain
import Hummingbird
import Inspection
import Pipeline
import Storage

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
            let caller = try context.caller()
            let p = Params(request)
            let within = try p.int("within", in: 0...3650, default: 30)
            let format = try p.format()
            let today = Day(epochMillis: wallMillis())
            let rows = try InspectionSchedule.due(store: store, types: self.types(), today: today, until: today.adding(days: within), scope: caller.role)
            switch format {
            case .json: return Listing.json("{\"items\": " + ResultTable(rows).jsonArray() + ", \"next_cursor\": null}\n")
            case .csv:
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: ResultTable(rows).csv())))
            }
        }

        v1.get("inspections/schedule") { request, context in
            let caller = try context.caller()
            let p = Params(request)
            let from = try p.day("from") ?? Day(epochMillis: wallMillis())
            let to = try p.day("to") ?? from.adding(days: 90)
            guard from <= to else { throw APIError.badParameter("to", "\(to) is before from (\(from))") }
            guard from.days(to: to) <= 731 else { throw APIError.badParameter("to", "plan at most two years at a time") }
            let inspectors = try p.int("inspectors", in: 0...1000, default: 2)
            let perDay = try p.int("per_day", in: 0...100, default: 4)
            let format = try p.choice("format", PlanOutput.self) ?? .json
            let inspector = try p.values["inspector"] == nil ? nil : p.int("inspector", in: 1...1000, default: 1)
            let (calendar, policy) = self.planning()
            let plan = InspectionPlanner.plan(try InspectionSchedule.request(
                store: store, types: self.types(), calendar: calendar, policy: policy, from: from, to: to,
                inspectors: inspectors, visitsPerDay: perDay, scope: caller.role))
            switch format {
            case .json: return Listing.json(plan.json())
            case .csv:
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: plan.csv())))
            case .ics:
                return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: plan.ics(stamp: wallMillis(), inspector: inspector))))
            }
        }
    }
}
