import Domain
import Foundation
import Hummingbird
import Presentation
import Records
import Services

extension APIServer {
    /// `/v1/audit`: the evidence chain verified now (supervisors only): every link recomputed,
    /// every sealed row compared with its entry, the first entry that does not match first.
    func addAuditRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store
        v1.get("audit") { request, context in
            let (caller, p) = try context.caller(request)
            guard caller.role == .supervisor else { throw APIError.supervisorOnly }
            let days = store.localDays
            let (from, to) = (try p.time("from", in: days), try p.time("to", in: days))
            let v = try await store.access { try EvidenceAudit.verify($0, from: from, to: to) }
            return Listing.json(v.json())
        }
        v1.get("audit/heads") { _, context in
            guard try context.caller().role == .supervisor else { throw APIError.supervisorOnly }
            return Listing.page(try await store.access { try $0.auditHeads() })
        }
    }
}
