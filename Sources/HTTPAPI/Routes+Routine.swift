import Domain
import Foundation
import Hummingbird
import Presentation
import Records
import Services

extension APIServer {
    /// `/v1/routine`: owners' staff, daily/weekly/monthly records and compliance (SAMR Order 74).
    /// An owner reads and writes its own; a supervisor reads all and may write for any owner; a
    /// firm has no part in it (403 on writes, nothing to read).
    func addRoutineRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.get("routine") { request, context in
            let (caller, p) = try context.caller(request)
            let kind = try p.choice("kind", RoutineKind.self)
            let limit = try p.limit()
            return Listing.page(try await store.access { try $0.routineRecords(scope: caller.role, kind: kind, fromPeriod: nil, limit: limit) })
        }

        v1.post("routine") { request, context in
            let caller = try context.caller()
            let owner = try Self.routineOwner(caller.role)
            let body = try await Self.decode(RoutineBody.self, request, example: #"{"kind": "daily", "by": NAME, "findings": TEXT}"#)
            guard let text = body.kind, let kind = RoutineKind(rawValue: text) else {
                throw APIError.badParameter("kind", "one of \(RoutineKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let by = body.by, !by.isEmpty else { throw APIError.badParameter("by", "required: the named staff member who held it") }
            let target = body.owner ?? owner
            guard let target else { throw APIError.badParameter("owner", "a supervisor names the owner") }
            do {
                let row = try await store.access {
                    try $0.recordRoutine(owner: target, kind: kind, period: body.period, device: body.device, site: body.site, by: by,
                                         findings: body.findings ?? "", hazards: body.hazards ?? 0, scope: caller.role,
                                         recordedBy: caller.name, now: wallMillis())
                }
                return Listing.json(JSONAnswer.object(row), status: .created)
            } catch let e as RoutineError {
                if e.notFound { throw APIError.notFound(e.message) }
                throw APIError.badParameter(e.field, e.message)
            }
        }

        v1.get("routine/staff") { request, context in
            let (caller, _) = try context.caller(request)
            return Listing.page(try await store.access { try $0.staff(scope: caller.role) })
        }

        v1.put("routine/staff") { request, context in
            let caller = try context.caller()
            let owner = try Self.routineOwner(caller.role)
            let body = try await Self.decode(StaffBody.self, request,
                                             example: #"{"principal": NAME, "safety_director": NAME, "safety_officers": [NAME]}"#)
            guard let target = body.owner ?? owner else { throw APIError.badParameter("owner", "a supervisor names the owner") }
            var members: [StaffMember] = []
            if let p = body.principal { members.append(StaffMember(role: .principal, name: p, certificate: nil)) }
            if let d = body.safety_director { members.append(StaffMember(role: .safetyDirector, name: d, certificate: body.safety_director_cert)) }
            members += (body.safety_officers ?? []).map { StaffMember(role: .safetyOfficer, name: $0, certificate: nil) }
            let named = members
            do {
                let rows = try await store.access { store in
                    try store.nameStaff(owner: target, named, scope: caller.role, by: caller.name, now: wallMillis())
                    return try store.staff(scope: .owner(target))
                }
                return Listing.page(rows)
            } catch let e as RoutineError {
                if e.notFound { throw APIError.notFound(e.message) }
                throw APIError.badParameter(e.field, e.message)
            }
        }

        v1.get("routine/compliance") { request, context in
            let (caller, p) = try context.caller(request)
            let days = store.localDays
            let today = days.day(wallMillis())
            let from = try p.string("from").map { text in
                guard let d = Day(parsing: text) else { throw APIError.badParameter("from", "a date YYYY-MM-DD") }
                return d
            } ?? today.adding(days: -30)
            let to = try p.string("to").map { text in
                guard let d = Day(parsing: text) else { throw APIError.badParameter("to", "a date YYYY-MM-DD") }
                return d
            } ?? today.adding(days: -1)
            return Listing.page(try await store.access { try $0.routineCompliance(from: from, through: to, today: today, scope: caller.role) })
        }
    }

    /// The owner a routine write is for: an owner's own; nil for a supervisor (the body names it).
    static func routineOwner(_ role: Role) throws -> String? {
        switch role {
        case .owner(let id): id
        case .supervisor: nil
        case .firm: throw APIError(.forbidden, "forbidden", "owners' routines are kept by owners (an owner token) or a supervisor")
        }
    }

    struct RoutineBody: Decodable {
        let kind: String?, period: String?, device: String?, site: String?, by: String?, findings: String?, hazards: Int?, owner: String?
    }

    struct StaffBody: Decodable {
        let owner: String?, principal: String?, safety_director: String?, safety_director_cert: String?, safety_officers: [String]?
    }
}
