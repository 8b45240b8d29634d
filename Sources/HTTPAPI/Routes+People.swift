import Domain
import Foundation
import Hummingbird
import Inspection
import Presentation
import Records
import Services

extension APIServer {
    /// `/v1/certificates` and `/v1/insurance`: workers' certificates within the caller's scope
    /// (a firm or owner sees those of its own workers), insurance policies (an owner sees its own,
    /// a firm none), coverage; supervisors write both.
    func addPeopleRoutes(to v1: RouterGroup<APIContext>) {
        let store = self.store

        v1.get("certificates") { request, context in
            let (caller, p) = try context.caller(request)
            let within = try p.optionalInt("expiring_within", in: 0...3650)
            let lead = self.planning().policy.certificateReminderDays
            return Listing.page(try await store.access {
                try $0.certificateRows(scope: caller.role, today: $0.localDays.day(wallMillis()), leadDays: lead, expiringWithin: within)
            })
        }

        v1.put("certificates/{number}") { request, context in
            let caller = try context.caller()
            guard caller.role == .supervisor else { throw APIError(.forbidden, "forbidden", "the certificate registry is edited by supervisors") }
            let number = try Self.pathText(context, "number")
            let body = try await Self.decode(CertificateBody.self, request,
                                             example: #"{"holder": NAME, "item": "T", "issued": "YYYY-MM-DD", "authority": TEXT, "employer": "firm:ID"}"#)
            guard let holder = body.holder?.trimmingCharacters(in: .whitespaces), !holder.isEmpty else { throw APIError.badParameter("holder", "required: the holder's name") }
            guard let code = body.item, let item = CertificateItem(rawValue: code.uppercased()) else {
                throw APIError.badParameter("item", "one of \(CertificateItem.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let text = body.issued, let issued = Day(parsing: text) else { throw APIError.badParameter("issued", "required: a date YYYY-MM-DD") }
            var until = issued.adding(years: self.planning().policy.certificateValidYears).adding(days: -1)
            if let text = body.valid_until {
                guard let day = Day(parsing: text), day >= issued else { throw APIError.badParameter("valid_until", "a date YYYY-MM-DD on or after issued") }
                until = day
            }
            guard let authority = body.authority?.trimmingCharacters(in: .whitespaces), !authority.isEmpty else {
                throw APIError.badParameter("authority", "required: the issuing authority")
            }
            guard let text = body.employer, let employer = Role(parsing: text), employer != .supervisor else {
                throw APIError.badParameter("employer", "firm:ID or owner:ID")
            }
            let certificate = Certificate(number: number, holder: holder, item: item, issued: issued, validUntil: until, authority: authority, employer: employer)
            let lead = self.planning().policy.certificateReminderDays
            do {
                let row = try await store.access { store in
                    _ = try store.importCertificates([certificate], by: caller.name, now: wallMillis())
                    return CertificateRow(certificate, today: store.localDays.day(wallMillis()), leadDays: lead)
                }
                return Listing.json(JSONAnswer.object(row))
            } catch let e as PeopleRecordError {
                throw APIError.badParameter(e.field, e.message)
            }
        }

        v1.get("insurance") { request, context in
            let (caller, p) = try context.caller(request)
            let within = try p.optionalInt("expiring_within", in: 0...3650)
            let lead = self.planning().policy.insuranceReminderDays
            return Listing.page(try await store.access {
                try $0.policyRows(scope: caller.role, today: $0.localDays.day(wallMillis()), leadDays: lead, expiringWithin: within)
            })
        }

        v1.get("insurance/coverage") { request, context in
            let (caller, _) = try context.caller(request)
            let types = self.planning().policy.insuredTypes
            return Listing.page(try await store.access { try $0.insuranceCoverage(types: types, today: $0.localDays.day(wallMillis()), scope: caller.role) })
        }

        v1.put("insurance/{number}") { request, context in
            let caller = try context.caller()
            guard caller.role == .supervisor else { throw APIError(.forbidden, "forbidden", "insurance policies are recorded by supervisors") }
            let number = try Self.pathText(context, "number")
            let body = try await Self.decode(PolicyBody.self, request,
                                             example: #"{"insurer": NAME, "owner": ID, "types": ["elevator"], "cover_cny": 1000000, "valid_from": "YYYY-MM-DD", "valid_to": "YYYY-MM-DD"}"#)
            guard let insurer = body.insurer?.trimmingCharacters(in: .whitespaces), !insurer.isEmpty else { throw APIError.badParameter("insurer", "required") }
            guard let owner = body.owner, !owner.isEmpty else { throw APIError.badParameter("owner", "required: the insured owner's id") }
            let types = body.types ?? []
            guard (body.device == nil) != types.isEmpty else { throw APIError.badParameter("types", "name either one device or the types of the owner's fleet") }
            guard let cover = body.cover_cny, cover > 0 else { throw APIError.badParameter("cover_cny", "the sum insured in CNY, more than 0") }
            guard let a = body.valid_from, let from = Day(parsing: a) else { throw APIError.badParameter("valid_from", "required: a date YYYY-MM-DD") }
            guard let b = body.valid_to, let to = Day(parsing: b), to >= from else { throw APIError.badParameter("valid_to", "a date YYYY-MM-DD on or after valid_from") }
            let policy = InsurancePolicy(number: number, insurer: insurer, owner: owner, device: body.device, types: types, coverCny: cover,
                                         validFrom: from, validTo: to)
            let known = Set(self.types().keys)
            let lead = self.planning().policy.insuranceReminderDays
            do {
                let row = try await store.access { store in
                    _ = try store.importPolicies([policy], types: known, by: caller.name, now: wallMillis())
                    return try store.policyRows(scope: .supervisor, today: store.localDays.day(wallMillis()), leadDays: lead).first { $0.number == number }
                }
                guard let row else { throw APIError.notFound("policy \(number) vanished") }
                return Listing.json(JSONAnswer.object(row))
            } catch let e as PeopleRecordError {
                throw APIError.badParameter(e.field, e.message)
            }
        }
    }

    /// A text path parameter, checked for length and control characters.
    static func pathText(_ context: APIContext, _ name: String) throws -> String {
        guard let text = context.parameters.get(name), !text.isEmpty, text.utf8.count <= 64,
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badParameter(name, "1 to 64 characters, no control characters")
        }
        return text
    }

    struct CertificateBody: Decodable {
        let holder: String?, item: String?, issued: String?, valid_until: String?, authority: String?, employer: String?
    }

    struct PolicyBody: Decodable {
        let insurer: String?, owner: String?, device: String?, types: [String]?, cover_cny: Int64?, valid_from: String?, valid_to: String?
    }
}
