import Domain
import Source

/// The import files of workers' certificates and insurance policies (`equipwatch certificates
/// import`, `equipwatch insurance import`; docs/people.md), parsed and checked with every problem
/// located by file and line. Pure: text in, values out.
public enum PeopleFiles {
    /// Reads `certificates:` — a list of `{number, holder, item, issued, valid_until?, authority,
    /// employer}`. `valid_until` defaults to the day before the `validYears` anniversary of
    /// `issued`. A national ID number is refused: EquipWatch does not store one.
    public static func certificates(text: String, file: String, validYears: Int) throws(SourceErrors) -> [Certificate] {
        struct Raw: Decodable {
            let certificates: [Entry]?
            struct Entry: Decodable {
                let number: String?, holder: String?, item: String?, issued: String?, valid_until: String?
                let authority: String?, employer: String?
                let id_number: String?, national_id: String?, id_card: String?
            }
        }
        let (source, raw) = try YAMLSource.decode(Raw.self, text: text, file: file)
        guard let entries = raw.certificates else {
            throw SourceErrors([source.error(at: [], "a certificates file holds a list under `certificates:`")])
        }
        var errors: [SourceError] = []
        var out: [Certificate] = []
        var seen: Set<String> = []
        for (i, e) in entries.enumerated() {
            let at: [YAMLSource.PathElement] = [.key("certificates"), .index(i)]
            func fail(_ field: String?, _ reason: String) { errors.append(source.error(at: field.map { at + [.key($0)] } ?? at, reason)) }
            if e.id_number != nil || e.national_id != nil || e.id_card != nil {
                fail(nil, "national ID numbers are not stored: remove the field (the certificate number identifies the holder)")
                continue
            }
            guard let number = e.number?.trimmed, !number.isEmpty else { fail(nil, "`number` (the certificate number) is required"); continue }
            guard seen.insert(number).inserted else { fail("number", "certificate \(number) is listed twice"); continue }
            guard let holder = e.holder?.trimmed, !holder.isEmpty else { fail(nil, "`holder` (the holder's name) is required"); continue }
            guard let code = e.item, let item = CertificateItem(rawValue: code.uppercased()) else {
                fail(e.item == nil ? nil : "item", "`item` must be one of \(CertificateItem.allCases.map(\.rawValue).joined(separator: ", "))"
                     + (e.item.map { ", not '\($0)'" } ?? ""))
                continue
            }
            guard let text = e.issued, let issued = Day(parsing: text) else { fail("issued", "`issued` must be a date YYYY-MM-DD"); continue }
            var until = issued.adding(years: validYears).adding(days: -1)
            if let text = e.valid_until {
                guard let day = Day(parsing: text), day >= issued else { fail("valid_until", "`valid_until` must be a date YYYY-MM-DD on or after `issued`"); continue }
                until = day
            }
            guard let authority = e.authority?.trimmed, !authority.isEmpty else { fail(nil, "`authority` (the issuing authority) is required"); continue }
            guard let text = e.employer, let employer = Role(parsing: text), employer != .supervisor else {
                fail(e.employer == nil ? nil : "employer", "`employer` must be firm:ID or owner:ID")
                continue
            }
            out.append(Certificate(number: number, holder: holder, item: item, issued: issued, validUntil: until, authority: authority, employer: employer))
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return out
    }

    /// Reads `policies:` — a list of `{number, insurer, owner, device?, types?, cover_cny,
    /// valid_from, valid_to}`: a policy names one device, or the device types of the owner's
    /// fleet it covers.
    public static func policies(text: String, file: String) throws(SourceErrors) -> [InsurancePolicy] {
        struct Raw: Decodable {
            let policies: [Entry]?
            struct Entry: Decodable {
                let number: String?, insurer: String?, owner: String?, device: String?, types: [String]?
                let cover_cny: Int64?, valid_from: String?, valid_to: String?
            }
        }
        let (source, raw) = try YAMLSource.decode(Raw.self, text: text, file: file)
        guard let entries = raw.policies else {
            throw SourceErrors([source.error(at: [], "an insurance file holds a list under `policies:`")])
        }
        var errors: [SourceError] = []
        var out: [InsurancePolicy] = []
        var seen: Set<String> = []
        for (i, e) in entries.enumerated() {
            let at: [YAMLSource.PathElement] = [.key("policies"), .index(i)]
            func fail(_ field: String?, _ reason: String) { errors.append(source.error(at: field.map { at + [.key($0)] } ?? at, reason)) }
            guard let number = e.number?.trimmed, !number.isEmpty else { fail(nil, "`number` (the policy number) is required"); continue }
            guard seen.insert(number).inserted else { fail("number", "policy \(number) is listed twice"); continue }
            guard let insurer = e.insurer?.trimmed, !insurer.isEmpty else { fail(nil, "`insurer` is required"); continue }
            guard let owner = e.owner?.trimmed, !owner.isEmpty else { fail(nil, "`owner` (the insured owner's id) is required"); continue }
            let types = e.types ?? []
            guard (e.device == nil) != types.isEmpty else {
                fail(nil, "a policy names either one `device` or the `types` of the owner's fleet it covers")
                continue
            }
            guard let cover = e.cover_cny, cover > 0 else { fail(e.cover_cny == nil ? nil : "cover_cny", "`cover_cny` (sum insured, CNY) must be more than 0"); continue }
            guard let a = e.valid_from, let from = Day(parsing: a) else { fail("valid_from", "`valid_from` must be a date YYYY-MM-DD"); continue }
            guard let b = e.valid_to, let to = Day(parsing: b), to >= from else { fail("valid_to", "`valid_to` must be a date YYYY-MM-DD on or after `valid_from`"); continue }
            out.append(InsurancePolicy(number: number, insurer: insurer, owner: owner, device: e.device, types: types, coverCny: cover,
                                       validFrom: from, validTo: to))
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return out
    }
}

extension String {
    fileprivate var trimmed: String { String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
}
