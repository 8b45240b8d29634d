import Domain
import Foundation

/// A major hazard (GB 45067-2024) and where its closure (销号) stands (`equipwatch hazards`,
/// `GET /v1/hazards`): open until closed, with the latest rectification and confirmation.
public struct HazardItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The device's registration code.
    public var device: String
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String
    /// The site's id.
    public var site: String
    /// The site's name, for the person reading.
    public var siteName: String?
    /// The owner's (使用单位) id.
    public var owner: String
    /// The maintenance firm's id.
    public var firm: String
    /// The id of the rule that raised it.
    public var rule: String
    /// The alarm's id.
    public var alarm: Int64
    public var raisedAt: Instant
    /// Where it stands.
    public var status: HazardStatus
    public var rectifiedAt: Instant?
    public var confirmedAt: Instant?
    /// When it was closed (nil while open).
    public var closedAt: Instant?
    public var closedBy: String?
    public var closedOrganisation: String?
    public var closedNote: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, type, site, siteName = "site_name", owner, firm, rule, alarm, raisedAt = "raised_at", status
        case rectifiedAt = "rectified_at", confirmedAt = "confirmed_at", closedAt = "closed_at", closedBy = "closed_by"
        case closedOrganisation = "closed_organisation", closedNote = "closed_note"
    }
}

/// One step on a hazard's timeline, oldest first (`hazards show`, `GET /v1/hazards/{id}/steps`).
public struct HazardStepItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The hazard's id.
    public var hazard: Int64
    /// The step recorded.
    public var step: HazardStep
    /// The firm's or owner's id, or `supervisor`.
    public var party: String
    /// Who recorded it.
    public var by: String
    /// The organisation of the person recording it.
    public var organisation: String?
    /// Free text the person recording it added.
    public var note: String?
    /// When it happened.
    public var at: Instant

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, hazard, step, party, by, organisation, note, at
    }
}

/// Which hazards a list shows.
public struct HazardFilter: Sendable {
    /// Only open (true) or closed (false) ones.
    public var open: Bool?
    /// The device's registration code.
    public var device: String?
    public var scope: Role = .supervisor
    public var limit = 100
    public init(open: Bool? = nil, device: String? = nil) { (self.open, self.device) = (open, device) }
}

/// A step to record on a hazard's timeline. `party` is who records it: the firm's or owner's id,
/// or `supervisor`.
public struct HazardStepDraft: Sendable {
    /// The hazard's id.
    public let hazard: Int64
    /// The step recorded.
    public let step: HazardStep
    public let party: String
    /// Who recorded it.
    public let by: String
    /// The organisation of the person recording it.
    public let organisation: String?
    /// Free text the person recording it added.
    public let note: String?
    /// When it happened.
    public let at: Int64

    public init(hazard: Int64, step: HazardStep, party: String, by: String, organisation: String?, note: String?, at: Int64) {
        (self.hazard, self.step, self.party, self.by, self.organisation) = (hazard, step, party, by, organisation)
        (self.note, self.at) = (note, at)
    }
}

/// What recording a hazard step did.
public enum HazardStepResult: Sendable, Equatable {
    /// Kept; `change` is the device's must-not-use status it moved (nil: unchanged).
    case recorded(step: Int64, deviceNum: Int64, statusChanged: Bool)
    /// No such hazard within the caller's scope.
    case notFound
    /// Closed already, by whom and when: nothing more is recorded on it.
    case alreadyClosed(by: String, at: Int64)
}
