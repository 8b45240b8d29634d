import Domain
import Foundation
import Hummingbird
import Inspection
import Presentation
import Records
import Services

extension APIServer {
    /// `/v1/accidents`: accident records within the caller's scope (by their first device).
    /// Owners and supervisors record (report) accidents and confirm proposed ones; the
    /// investigation (status, revised figures, cause, findings) is a supervisor's; firms read.
    func addAccidentRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.get("accidents") { request, context in
            let (caller, p) = try context.caller(request)
            var f = AccidentFilter(status: try p.choice("status", AccidentStatus.self), device: try p.string("device"), now: wallMillis())
            if let year = try p.optionalInt("year", in: StatsReport.years) {
                guard let bounds = StatsReport.year(year, in: store.localDays) else { throw APIError.badParameter("year", "out of range") }
                (f.from, f.to) = (bounds.from, bounds.to)
            }
            f.scope = caller.role
            f.limit = try p.limit()
            let filter = f
            return Listing.page(try await store.access { try $0.accidents(filter) })
        }

        v1.get("accidents/{id}") { _, context in
            let caller = try context.caller()
            let id = try Self.numericId(context)
            guard let item = try await store.access({ try $0.accident(id, scope: caller.role, now: wallMillis()) }) else {
                throw APIError.notFound("no accident \(id)")
            }
            return Listing.json(Self.accidentBody(item))
        }

        v1.post("accidents") { request, context in
            let caller = try context.caller()
            guard AccidentRoles.mayRecord(caller.role) else {
                throw APIError(.forbidden, "forbidden", "accidents are reported by the device's owner (an owner token) or a supervisor")
            }
            let policy = try self.accidentPolicy()
            let body = try await Self.decode(AccidentBody.self, request, example: #"{"device": ID, "at": RFC3339, "deaths": 0, "serious_injuries": 0, "loss_cny": 0}"#)
            var devices = body.devices ?? []
            if let d = body.device { devices.insert(d, at: 0) }
            guard let at = body.at else { throw APIError.badParameter("at", "required: when it happened (RFC 3339 or epoch ms)") }
            let report = AccidentReport(devices: devices, occurredAt: try at.millis("at"), place: body.place, deaths: body.deaths ?? 0,
                                        seriousInjuries: body.serious_injuries ?? 0, lossCny: body.loss_cny ?? 0, specialCase: body.special_case,
                                        summary: body.summary)
            let by = try Self.person(body.by, default: caller.name)
            do {
                let item = try await store.access { try $0.record(accident: report, policy: policy, by: by, scope: caller.role, now: wallMillis()) }
                return Listing.json(Self.accidentBody(item), status: .created)
            } catch let e as AccidentRecordError {
                if e.field == "device", e.message.hasPrefix("no device") { throw APIError.notFound(e.message) }
                throw APIError.badParameter(e.field, e.message)
            }
        }

        v1.post("accidents/{id}/report") { request, context in
            let caller = try context.caller()
            let id = try Self.numericId(context)
            struct ReportBody: Decodable { let by: String? }
            let body = try await Self.decode(ReportBody.self, request, example: #"{"by": NAME}"#)
            let change = AccidentChangeBody(status: nil, deaths: nil, serious_injuries: nil, loss_cny: nil, cause: nil, findings: nil, by: body.by)
            return try await self.changeAccident(id, caller: caller, status: .reported, body: change)
        }

        v1.post("accidents/{id}/investigation") { request, context in
            let caller = try context.caller()
            guard caller.role == .supervisor else { throw APIError.supervisorOnly }
            let id = try Self.numericId(context)
            let body = try await Self.decode(AccidentChangeBody.self, request,
                                             example: #"{"status": "investigating", "deaths": 0, "cause": TEXT, "findings": TEXT}"#)
            let status = try body.status.map { s throws(APIError) -> AccidentStatus in
                guard let v = AccidentStatus(rawValue: s), v != .proposed else {
                    throw APIError.badParameter("status", "'\(s.prefix(64))' is not one of \(AccidentStatus.allCases.filter { $0 != .proposed }.map(\.rawValue).joined(separator: ", "))")
                }
                return v
            }
            return try await self.changeAccident(id, caller: caller, status: status, body: body)
        }
    }

    func accidentPolicy() throws -> AccidentPolicy {
        guard let p = accidents() else {
            throw APIError(.serviceUnavailable, "accident_classes_unavailable", "Rules/accidents.yaml could not be loaded; the operator must fix it")
        }
        return p
    }

    func changeAccident(_ id: Int64, caller: TokenGrant, status: AccidentStatus?, body: AccidentChangeBody) async throws -> Response {
        let policy = try accidentPolicy()
        let by = try Self.person(body.by, default: caller.name)
        do {
            guard let item = try await store.access({
                try $0.update(accident: id, status: status, deaths: body.deaths, seriousInjuries: body.serious_injuries, lossCny: body.loss_cny,
                              cause: body.cause, findings: body.findings, policy: policy, by: by, scope: caller.role, now: wallMillis())
            }) else { throw APIError.notFound("no accident \(id)") }
            return Listing.json(Self.accidentBody(item))
        } catch let e as AccidentRecordError {
            if e.field == "role" { throw APIError(.forbidden, "forbidden", e.message) }
            if e.field == "status" { throw APIError(.conflict, "status_conflict", e.message) }
            throw APIError.badParameter(e.field, e.message)
        }
    }

    static func accidentBody(_ item: AccidentItem) -> String {
        var answer = JSONAnswer()
        answer.add("accident", record: item)
        return answer.rendered()
    }

    /// `by`: the person, or the token's name; 1 to 200 characters.
    static func person(_ by: String?, default name: String) throws -> String {
        let who = by ?? name
        guard !who.trimmingCharacters(in: .whitespaces).isEmpty, who.unicodeScalars.count <= 200 else {
            throw APIError.badParameter("by", "name the person (1 to 200 characters)")
        }
        return who
    }

    /// A JSON body of `T` (at most 64 KiB); an empty body is `{}`.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, example: String) async throws -> T {
        let buffer = try await request.body.collect(upTo: 65_536)
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        do { return try JSONDecoder().decode(T.self, from: data) } catch let DecodingError.typeMismatch(_, c) {
            throw APIError.badParameter(c.codingPath.map(\.stringValue).joined(separator: "."), "wrong type; expected \(example)")
        } catch {
            throw APIError.badParameter("body", "expected \(example)")
        }
    }

    struct AccidentBody: Decodable {
        let device: String?
        let devices: [String]?
        let at: TimeValue?
        let place: String?
        let deaths: Int?
        let serious_injuries: Int?
        let loss_cny: Int64?
        let special_case: String?
        let summary: String?
        let by: String?
    }

    struct AccidentChangeBody: Decodable {
        let status: String?
        let deaths: Int?
        let serious_injuries: Int?
        let loss_cny: Int64?
        let cause: String?
        let findings: String?
        let by: String?
    }

    /// A time in a body: RFC 3339 text or epoch milliseconds.
    enum TimeValue: Decodable {
        case text(String), millis(Int64)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int64.self) { self = .millis(n) } else { self = .text(try c.decode(String.self)) }
        }
        func millis(_ field: String) throws -> Int64 {
            let ms: Int64
            switch self {
            case .millis(let n): ms = n
            case .text(let s):
                guard let n = Timestamp.parseRFC3339(s) else { throw APIError.badParameter(field, "'\(s.prefix(64))' is not RFC 3339 or epoch milliseconds") }
                ms = n
            }
            guard Day.instants.contains(ms) else { throw APIError.badParameter(field, "must be between 1900-01-01 and 2999-12-31") }
            return ms
        }
    }
}
