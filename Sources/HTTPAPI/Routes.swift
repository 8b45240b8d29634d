import DeviceCatalog
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Maintenance
import Services
import Presentation
import Records

extension APIServer {
    /// `/v1` routes. Handlers parse and check parameters, call the same queries and store
    /// operations as the CLI with the caller's scope, and render the same rows.
    func addRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.get("devices") { request, context in
            let (caller, p) = try context.caller(request)
            var f = DeviceFilter(type: try p.string("type"), site: try p.string("site"), firm: try p.string("firm"),
                                 gateway: try p.string("gateway"), grade: try p.choice("grade", Grade.self))
            f.owner = try p.string("owner")
            f.mustNotUse = try p.bool("must_not_use")
            f.scope = caller.role
            f.language = p.language
            let filter = f
            return try await Listing.respond(p, fetch: { limit, after in
                var page = filter
                page.after = after?.key
                return try store.devices(page, limit: limit)
            }, cursor: { PageCursor(key: $0.id) })
        }

        v1.get("devices/{id}") { request, context in
            let caller = try context.caller()
            let id = try context.parameters.require("id")
            let (types, language) = (self.types(), Params.language(request))
            guard let sections = try await store.access({ store in
                try DeviceReport.sections(store: store, types: types, device: id, scope: caller.role, language: language, now: wallMillis())
            }) else {
                throw APIError.notFound("no device \(id)")
            }
            return Listing.json(ResultTable.json(sections: sections))
        }

        v1.get("devices/{id}/readings") { request, context in
            let (caller, id, p, from, to) = try await self.deviceRange(request, context)
            return try await Listing.respond(p, fetch: { limit, after in
                try store.readings(device: id, from: from, to: to, limit: limit, scope: caller.role, after: after)
            }, cursor: { PageCursor(sort: $0.ts.millis, id: $0.id) })
        }

        v1.get("devices/{id}/events") { request, context in
            let (caller, id, p, from, to) = try await self.deviceRange(request, context)
            return try await Listing.respond(p, fetch: { limit, after in
                try store.events(device: id, code: nil, from: from, to: to, limit: limit, scope: caller.role, after: after)
            }, cursor: { PageCursor(sort: $0.ts.millis, id: $0.id) })
        }

        v1.get("alarms") { request, context in
            let (caller, p) = try context.caller(request)
            var f = try Self.alarmFilter(p, caller, days: store.localDays)
            f.state = try p.choice("state", AlarmStateFilter.self)
            f.rule = try p.string("rule")
            return try await Listing.respond(p, filter: f, query: { try store.alarms($0) }, cursor: { PageCursor(sort: $0.startedAt.millis, id: $0.id) })
        }

        v1.get("alarms/{id}") { request, context in
            let caller = try context.caller()
            let alarm = try await self.alarm(try Self.numericId(context), caller, Params.language(request))
            return Listing.json(JSONAnswer.object(alarm))
        }

        v1.post("alarms/{id}/ack") { request, context in
            let caller = try context.caller()
            let id = try Self.numericId(context)
            _ = try await self.alarm(id, caller)
            let (by, onSite) = try await Self.ackBody(request, context, default: caller.name)
            let topics = self.topics
            _ = try await store.access { try $0.acknowledge(alarm: id, by: by, at: wallMillis(), onSite: onSite, topics: topics) }
            return Listing.json(JSONAnswer.object(try await self.alarm(id, caller, Params.language(request))))
        }

        v1.get("incidents") { request, context in
            let (caller, p) = try context.caller(request)
            var f = try Self.alarmFilter(p, caller, days: store.localDays)
            f.status = try p.choice("status", IncidentStatus.self)
            return try await Listing.respond(p, filter: f, query: { try store.incidents($0) }, cursor: { PageCursor(sort: $0.openedAt.millis, id: $0.id) })
        }

        v1.get("incidents/{id}") { request, context in
            let caller = try context.caller()
            let id = try Self.numericId(context)
            let language = Params.language(request)
            guard let (incident, timeline, story) = try await store.access({ store in
                try IncidentStory.read(id, store: store, scope: caller.role, language: language, now: wallMillis())
            }) else {
                throw APIError.notFound("no incident \(id)")
            }
            var answer = JSONAnswer()
            answer.add("incident", record: incident)
            // The story in words (both languages), the rescue clock, then the stored timeline as it was.
            answer.add("story", records: story.lines.map(StoryLineItem.init))
            if let rescue = story.rescue { answer.add("rescue", record: RescueClockItem(story, rescue)) } else { answer.add("rescue", nil) }
            answer.add("timeline", records: timeline)
            return Listing.json(answer.rendered())
        }

        v1.get("notices") { request, context in
            let (caller, p) = try context.caller(request)
            var f = NoticeFilter()
            f.firm = try p.string("firm")
            f.status = try p.choice("status", NoticeStatus.self)
            f.device = try p.string("device")
            f.kind = try p.choice("kind", NoticeKind.self)
            f.scope = caller.role
            f.language = p.language
            return try await Listing.respond(p, filter: f, query: { try store.notices($0) }, cursor: { PageCursor(sort: 0, id: $0.id) })
        }

        v1.post("notices/{id}/ack") { request, context in
            let caller = try context.caller()
            let id = try Self.numericId(context)
            let firm: String?
            switch caller.role {
            case .supervisor: firm = nil
            case .firm(let f): firm = f
            case .owner: throw APIError(.forbidden, "forbidden", "notices are acknowledged by their firm or a supervisor")
            }
            let by = try await Self.by(request, context, default: caller.name)
            let acknowledged = try await store.access { try $0.acknowledge(notice: id, firm: firm, by: by, at: wallMillis()) }
            if acknowledged == .notFound { throw APIError.notFound("no notice \(id)") }
            var f = NoticeFilter()
            f.scope = caller.role
            f.language = Params.language(request)
            f.after = PageCursor(sort: 0, id: id + 1)
            f.limit = 1
            let filter = f
            guard let notice = try await store.access({ try $0.notices(filter).first }), notice.id == id else {
                throw APIError.notFound("no notice \(id)")
            }
            return Listing.json(JSONAnswer.object(notice))
        }

        v1.post("maintenance") { request, context in
            let caller = try context.caller()
            let report = try await Self.maintenanceReport(request, context, caller)
            let topics = self.topics
            let policy = CompletionPolicy(types: self.types().values)
            let recorded = try await store.access { store in
                Result { () throws(MaintenanceError) in try store.recordMaintenance(report, topics: topics, policy: policy) }
            }
            do throws(MaintenanceError) {
                let r = try recorded.get()
                let recorded = MaintenanceRecorded(record: r.record, device: report.device, firm: report.firm, closedNotices: r.closedNotices)
                return Listing.json(JSONAnswer.object(recorded), status: .created)
            } catch {
                switch error {
                case .unknownDevice, .notTheDevicesFirm: throw APIError.notFound("no device \(report.device) maintained by \(report.firm)")
                case .inTheFuture: throw APIError.badParameter("at", error.description)
                case .certificate(let p): throw APIError.badParameter("worker_cert", Params.language(request) == .zh ? p.chinese : p.description)
                case .store: throw APIError(.serviceUnavailable, "store_unavailable", error.description)
                }
            }
        }

        v1.get("maintenance") { request, context in
            let (caller, p) = try context.caller(request)
            guard let device = try p.string("device") else { throw APIError.badParameter("device", "required: the device's registration code") }
            try await self.requireDevice(device, caller)
            return try await Listing.respond(p, fetch: { limit, after in
                try store.maintenanceHistory(device: device, limit: limit, scope: caller.role, after: after)
            }, cursor: { PageCursor(sort: $0.doneAt.millis, id: $0.id) })
        }

        addStreamRoute(to: v1)

        v1.get("outages") { request, context in
            _ = try context.requireSupervisor()
            let p = Params(request)
            let limit = try p.limit()
            return Listing.page(try await store.access { try $0.outages(limit: limit, now: wallMillis()) })
        }

        v1.get("deadletters") { request, context in
            _ = try context.requireSupervisor()
            let p = Params(request)
            let reason = try p.choice("reason", DeadLetterReason.self)
            let (gateway, device) = (try p.string("gateway"), try p.string("device"))
            let (from, to) = (try p.time("from", in: store.localDays), try p.time("to", in: store.localDays))
            return try await Listing.respond(p, fetch: { limit, after in
                try store.deadLetters(reason: reason, from: from, to: to, limit: limit, gateway: gateway, device: device, after: after)
            }, cursor: { PageCursor(sort: 0, id: $0.id) })
        }
    }

    // MARK: Helpers

    /// A device route's caller, device (404 unless in scope), parameters and `from`/`to`.
    func deviceRange(_ request: Request, _ context: APIContext) async throws -> (TokenGrant, String, Params, Int64?, Int64?) {
        let caller = try context.caller()
        let id = try context.parameters.require("id")
        try await requireDevice(id, caller)
        let p = Params(request)
        return (caller, id, p, try p.time("from", in: store.localDays), try p.time("to", in: store.localDays))
    }

    /// 404 unless the device exists and `caller` may see it.
    func requireDevice(_ id: String, _ caller: TokenGrant) async throws {
        var f = DeviceFilter()
        f.id = id
        f.scope = caller.role
        let filter = f
        guard try await !store.access({ try $0.devices(filter, limit: 1) }).isEmpty else { throw APIError.notFound("no device \(id)") }
    }

    func alarm(_ id: Int64, _ caller: TokenGrant, _ language: Language = .en) async throws -> AlarmItem {
        var f = AlarmFilter()
        f.id = id
        f.scope = caller.role
        f.language = language
        let filter = f
        guard let a = try await store.access({ try $0.alarms(filter).first }) else { throw APIError.notFound("no alarm \(id)") }
        return a
    }

    static func alarmFilter(_ p: Params, _ caller: TokenGrant, days: LocalDays) throws -> AlarmFilter {
        var f = AlarmFilter()
        f.device = try p.string("device")
        f.type = try p.string("type")
        f.site = try p.string("site")
        f.firm = try p.string("firm")
        f.severity = try p.choice("severity", Severity.self)
        f.from = try p.time("from", in: days)
        f.to = try p.time("to", in: days)
        f.scope = caller.role
        f.language = p.language
        return f
    }

    /// `{"by": "..."}` from the body, if any; otherwise the token's name.
    /// `{"by": NAME}` (optional; an empty body is fine): who acknowledges a notice.
    static func by(_ request: Request, _ context: APIContext, default name: String) async throws -> String {
        let body = try await ackBody(request, context, default: name, onSiteAllowed: false)
        return body.by
    }

    /// `{"by": NAME, "on_site": BOOL}`, both optional (an empty body is fine); null is refused.
    static func ackBody(_ request: Request, _ context: APIContext, default name: String,
                        onSiteAllowed: Bool = true) async throws -> (by: String, onSite: Bool) {
        struct Body: Decodable {
            var by: String?
            var onSite: Bool?
            enum CodingKeys: String, CodingKey { case by, onSite = "on_site" }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                if c.contains(.by) { by = try c.decode(String.self, forKey: .by) }
                if c.contains(.onSite) { onSite = try c.decode(Bool.self, forKey: .onSite) }
            }
        }
        let buffer = try await request.body.collect(upTo: 16_384)
        guard buffer.readableBytes > 0 else { return (name, false) }
        let expected = onSiteAllowed ? "{\"by\": \"name\", \"on_site\": true} or nothing" : "{\"by\": \"name\"} or nothing"
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)) }
        catch { throw APIError.badParameter("body", "expected \(expected) (by a string, on_site true or false)") }
        if !onSiteAllowed, body.onSite != nil { throw APIError.badParameter("on_site", "only an alarm acknowledgement says on site") }
        guard let by = body.by else { return (name, body.onSite ?? false) }
        guard !by.isEmpty, by.unicodeScalars.count <= 128 else {
            throw APIError.badParameter("by", "must be a string of 1 to 128 characters")
        }
        return (by, body.onSite ?? false)
    }

    /// `{"device", "items", "at", "firm"}`: a firm reports for itself, a supervisor names the firm.
    static func maintenanceReport(_ request: Request, _ context: APIContext, _ caller: TokenGrant) async throws -> Completion {
        struct Body: Decodable {
            let device: String?, items: [String]?, tiers: [String]?, at: String?, firm: String?
            let worker_cert: String?
        }
        let buffer = try await request.body.collect(upTo: 65_536)
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)) }
        catch { throw APIError.badParameter("body", "expected {\"device\": ID, \"items\": [...], \"at\": RFC 3339} (\(error))") }
        guard let device = body.device, !device.isEmpty else { throw APIError.badParameter("device", "required: the device's registration code") }
        let now = wallMillis()
        var at = now
        if let text = body.at {
            guard let ms = Timestamp.parseRFC3339(text) else { throw APIError.badParameter("at", "'\(text.prefix(64))' is not RFC 3339") }
            at = ms
        }
        let firm: String
        switch caller.role {
        case .firm(let f):
            firm = f
        case .supervisor:
            guard let f = body.firm, !f.isEmpty else { throw APIError.badParameter("firm", "a supervisor names the firm that did the work") }
            firm = f
        case .owner:
            throw APIError(.forbidden, "forbidden", "maintenance is reported by the firm or a supervisor")
        }
        var tiers: [MaintenanceTier] = []
        for name in body.tiers ?? [] {
            guard let t = MaintenanceTier(rawValue: name) else {
                throw APIError.badParameter("tiers", "'\(name.prefix(64))' is not one of \(MaintenanceTier.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tiers.append(t)
        }
        return Completion(device: device, firm: firm, items: body.items ?? [], doneAt: at, source: .api, reportedAt: now, tiers: tiers,
                          workerCert: body.worker_cert)
    }

    /// The `{id}` of an alarm, incident or notice route.
    static func numericId(_ context: APIContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw APIError.badParameter("id", "must be a positive whole number")
        }
        return id
    }

    /// One Server-Sent Event: `id`, `event` (alarm, notice, grade, device) and the JSON payload.
    static func event(_ row: ChangeRow) -> String {
        "id: \(row.id)\nevent: \(row.kind.rawValue)\ndata: \(row.payload)\n\n"
    }
}

/// The answer to `POST /v1/maintenance`: the record kept and the notices it closed.
struct MaintenanceRecorded: ResponseRow {
    let record: Int64
    let device: String
    let firm: String
    let closedNotices: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case record, device, firm, closedNotices = "closed_notices"
    }
}
