import Domain
import Foundation
import Hummingbird
import Services
import Presentation
import Records

extension APIServer {
    /// `/v1/hazards`: major hazards within the caller's scope, and the steps of their closure
    /// (销号): the device's firm reports the rectification, its owner confirms it, a supervisor
    /// (or the inspection body through a supervisor's token) verifies and closes it. Only the
    /// closure lifts "must not be used"; the new status is written with the step.
    func addHazardRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.get("hazards") { request, context in
            let (caller, p) = try context.caller(request)
            var f = HazardFilter(open: try p.choice("status", HazardStatus.self).map { $0 == .open }, device: try p.string("device"))
            f.scope = caller.role
            f.limit = try p.limit()
            let filter = f
            return Listing.page(try await store.access { try $0.hazards(filter) })
        }

        // Names of the firms, owners and sites within scope, in English and Chinese (the console's
        // names for readers in Chinese).
        v1.get("names") { _, context in
            let caller = try context.caller()
            return Listing.page(try await store.access { try $0.names(scope: caller.role) })
        }

        v1.get("hazards/{id}") { _, context in
            let caller = try context.caller()
            let id = try Self.numericId(context)
            return Listing.json(try await self.hazardBody(id, caller.role))
        }

        for (path, step) in [("rectification", HazardStep.rectified), ("confirmation", .confirmed), ("closure", .closed)] {
            v1.post("hazards/{id}/\(path)") { request, context in
                let caller = try context.caller()
                let id = try Self.numericId(context)
                guard step.isAllowed(for: caller.role) else {
                    throw APIError(.forbidden, "forbidden", "the \(path) of a hazard is recorded by \(step.recordedBy)")
                }
                let body = try await Self.hazardStepBody(request, default: caller.name, organisationRequired: step == .closed)
                let party: String
                switch caller.role {
                case .supervisor: party = "supervisor"
                case .firm(let f): party = f
                case .owner(let o): party = o
                }
                let draft = HazardStepDraft(hazard: id, step: step, party: party, by: body.by, organisation: body.organisation ?? party,
                                            note: body.note, at: wallMillis())
                let settler = ComplianceSettlement.settler(types: self.types(), topics: self.topics, days: store.localDays)
                switch try await store.access({ try $0.addHazardStep(draft, scope: caller.role, settle: settler) }) {
                case .notFound: throw APIError.notFound("no hazard \(id)")
                case .alreadyClosed(let by, let at):
                    throw APIError(.conflict, "already_closed", "hazard \(id) was closed by \(by) at \(Timestamp.format(at))")
                case .recorded:
                    return Listing.json(try await self.hazardBody(id, caller.role), status: .created)
                }
            }
        }
    }

    /// `{"hazard": {...}, "timeline": [...]}` within `scope`; 404 outside it.
    func hazardBody(_ id: Int64, _ scope: Role) async throws -> String {
        let (found, steps) = try await store.access { store in (try store.hazard(id, scope: scope), try store.hazardSteps(id, scope: scope)) }
        guard let hazard = found else { throw APIError.notFound("no hazard \(id)") }
        var answer = JSONAnswer()
        answer.add("hazard", record: hazard)
        answer.add("timeline", records: steps)
        return answer.rendered()
    }

    struct HazardStepBody {
        let by: String
        let organisation: String?
        let note: String?
    }

    /// `{"by": NAME, "organisation": ORG, "note": TEXT}`: `by` defaults to the token's name;
    /// a closure names the organisation that verified it.
    static func hazardStepBody(_ request: Request, default name: String, organisationRequired: Bool) async throws -> HazardStepBody {
        struct Body: Decodable { let by: String?, organisation: String?, note: String? }
        let buffer = try await request.body.collect(upTo: 65_536)
        let b: Body
        if buffer.readableBytes == 0 {
            b = Body(by: nil, organisation: nil, note: nil)
        } else {
            do { b = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView)) }
            catch { throw APIError.badParameter("body", "expected {\"by\": NAME, \"organisation\": ORGANISATION, \"note\": TEXT}") }
        }
        for (field, value) in [("by", b.by), ("organisation", b.organisation), ("note", b.note)] {
            if let v = value, v.unicodeScalars.count > 500 { throw APIError.badParameter(field, "at most 500 characters") }
        }
        let by = b.by ?? name
        guard !by.trimmingCharacters(in: .whitespaces).isEmpty else { throw APIError.badParameter("by", "name the person") }
        if organisationRequired, (b.organisation ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError.badParameter("organisation", "required: the inspection body or bureau that verified the closure")
        }
        return HazardStepBody(by: by, organisation: b.organisation, note: b.note)
    }
}
