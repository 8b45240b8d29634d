import Domain

/// A worker's certificate as answered (`equipwatch certificates`, `GET /v1/certificates`), with
/// what it means on the day asked about.
public struct CertificateRow: ResponseRow, Equatable {
    /// The certificate's number (证书编号).
    public var number: String
    public var holder: String
    /// The item code (`T`, `P`, `G1`…).
    public var item: CertificateItem
    /// The item's name in Chinese.
    public var itemName: String
    public var issued: String
    /// The last day it is valid.
    public var validUntil: String
    /// Days from today to its last day (negative: expired that many days ago).
    public var daysLeft: Int
    /// `valid`, `expiring` (within the reminder lead) or `expired`.
    public var status: String
    public var authority: String
    /// `firm:ID` or `owner:ID`.
    public var employer: String

    public init(_ c: Certificate, today: Day, leadDays: Int) {
        (number, holder, item, itemName) = (c.number, c.holder, c.item, c.item.chinese)
        (issued, validUntil, authority, employer) = (c.issued.description, c.validUntil.description, c.authority, c.employer.description)
        daysLeft = today.days(to: c.validUntil)
        status = daysLeft < 0 ? "expired" : daysLeft <= leadDays ? "expiring" : "valid"
    }

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case number, holder, item, itemName = "item_name", issued, validUntil = "valid_until", daysLeft = "days_left", status
        case authority, employer
    }
}

/// A liability insurance policy as answered (`equipwatch insurance`, `GET /v1/insurance`).
public struct PolicyRow: ResponseRow, Equatable {
    /// The policy's number (保单号).
    public var number: String
    public var insurer: String
    /// The owner's (使用单位) id.
    public var owner: String
    /// The one device covered; null: the owner's devices of `types`.
    public var device: String?
    /// The device types covered, space-separated.
    public var types: String
    public var coverCny: Int64
    public var validFrom: String
    public var validTo: String
    /// Days from today to its last day (negative: lapsed that many days ago).
    public var daysLeft: Int
    /// `valid`, `expiring` (within the reminder lead), `expired` or `future`.
    public var status: String
    /// Registered devices it covers today.
    public var devicesCovered: Int

    public init(_ p: InsurancePolicy, today: Day, leadDays: Int, devicesCovered: Int) {
        (number, insurer, owner, device, types) = (p.number, p.insurer, p.owner, p.device, p.types.joined(separator: " "))
        (coverCny, validFrom, validTo) = (p.coverCny, p.validFrom.description, p.validTo.description)
        daysLeft = today.days(to: p.validTo)
        status = today < p.validFrom ? "future" : daysLeft < 0 ? "expired" : daysLeft <= leadDays ? "expiring" : "valid"
        self.devicesCovered = devicesCovered
    }

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case number, insurer, owner, device, types, coverCny = "cover_cny", validFrom = "valid_from", validTo = "valid_to"
        case daysLeft = "days_left", status, devicesCovered = "devices_covered"
    }
}

/// The share of devices that must be insured and are, per district or owner (the statistics'
/// `insurance_coverage` section).
public struct CoverageItem: ResponseRow, Equatable {
    /// `district` or `owner`.
    public var dimension: String
    /// The district's code or the owner's id.
    public var key: String
    /// The device type's id (`elevator`, `gas_cylinder`).
    public var type: String
    public var devices: Int
    public var insured: Int
    /// insured ÷ devices, 0–1.
    public var share: Double

    public init(dimension: String, key: String, type: String, devices: Int, insured: Int) {
        (self.dimension, self.key, self.type, self.devices, self.insured) = (dimension, key, type, devices, insured)
        share = devices == 0 ? 0 : (Double(insured) / Double(devices) * 1000).rounded() / 1000
    }

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case dimension, key, type, devices, insured, share
    }
}

/// What the store keeps of workers' certificates and insurance policies: rows, no rules (the
/// certificate rule and the cover of a policy are `Domain`'s).
public protocol PeopleStore: Sendable {
    /// Adds or replaces certificates by number; returns how many were written.
    func saveCertificates(_ certificates: [Certificate], by who: String, at: Int64) throws(StoreError) -> Int
    /// Certificates visible to `scope` (a firm or owner: those it employs), by number.
    func certificates(scope: Role) throws(StoreError) -> [Certificate]
    /// One certificate by number, whoever employs its holder.
    func certificate(_ number: String) throws(StoreError) -> Certificate?
    /// Adds or replaces policies by number; returns how many were written.
    func savePolicies(_ policies: [InsurancePolicy], by who: String, at: Int64) throws(StoreError) -> Int
    /// Policies visible to `scope` (an owner: its own; a firm: none), by number.
    func policies(scope: Role) throws(StoreError) -> [InsurancePolicy]
    /// Of `keys`, those already sent as reminders.
    func sentReminders(_ keys: [String]) throws(StoreError) -> Set<String>
    /// Records reminders as sent and queues their messages, in one transaction; a key already
    /// recorded is skipped with its message.
    func recordReminders(_ reminders: [(key: String, message: OutboxMessage)], at: Int64) throws(StoreError) -> Int
    /// Changes whenever a certificate or policy is written (the running pipeline reloads them).
    func peopleRevision() throws(StoreError) -> String
}

/// Certificate and policy rows as both engines store them, read back into domain values. A row
/// that does not read (edited by hand) is an error naming it, not a silent skip.
public enum PeopleColumns {
    public static func certificate(number: String, holder: String, item: String, issued: String, validUntil: String,
                                   authority: String, employer: String) throws(StoreError) -> Certificate {
        guard let i = CertificateItem(rawValue: item), let from = Day(parsing: issued), let until = Day(parsing: validUntil),
              let role = Role(parsing: employer) else {
            throw StoreError.failed(operation: "read certificate \(number)", reason: "unreadable row (item \(item), issued \(issued), valid until \(validUntil), employer \(employer))")
        }
        return Certificate(number: number, holder: holder, item: i, issued: from, validUntil: until, authority: authority, employer: role)
    }

    public static func policy(number: String, insurer: String, owner: String, device: String?, types: String, coverCny: Int64,
                              validFrom: String, validTo: String) throws(StoreError) -> InsurancePolicy {
        guard let from = Day(parsing: validFrom), let to = Day(parsing: validTo) else {
            throw StoreError.failed(operation: "read insurance policy \(number)", reason: "unreadable dates \(validFrom) – \(validTo)")
        }
        let list = types.split(separator: " ").map(String.init)
        return InsurancePolicy(number: number, insurer: insurer, owner: owner, device: device, types: list, coverCny: coverCny,
                               validFrom: from, validTo: to)
    }

    /// The types column: ids separated by spaces.
    public static func types(_ types: [String]) -> String { types.joined(separator: " ") }
}

extension Store {
    /// Changes whenever the running registry must be reloaded for something besides the fleet
    /// files: inspection records, hazards, certificates, insurance policies.
    public func directoryRevision() throws(StoreError) -> String { try complianceRevision() + "|" + peopleRevision() }
}
