import Domain
import Foundation

/// A major hazard (GB 45067-2024) and where its closure (销号) stands (`equipwatch hazards`,
/// `GET /v1/hazards`): open until closed, with the latest rectification and confirmation.
public struct HazardItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var device: String
    public var type: String
    public var site: String
    public var siteName: String?
    public var owner: String
    public var firm: String
    public var rule: String
    public var alarm: Int64
    public var raisedAt: Instant
    public var status: HazardStatus
    public var rectifiedAt: Instant?
    public var confirmedAt: Instant?
    public var closedAt: Instant?
    public var closedBy: String?
    public var closedOrganisation: String?
    var closedNote: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, device, type, site, siteName = "site_name", owner, firm, rule, alarm, raisedAt = "raised_at", status
        case rectifiedAt = "rectified_at", confirmedAt = "confirmed_at", closedAt = "closed_at", closedBy = "closed_by"
        case closedOrganisation = "closed_organisation", closedNote = "closed_note"
    }
}

/// One step on a hazard's timeline, oldest first (`hazards show`, `GET /v1/hazards/{id}/steps`).
public struct HazardStepItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var hazard: Int64
    public var step: HazardStep
    /// The firm's or owner's id, or `supervisor`.
    public var party: String
    public var by: String
    public var organisation: String?
    public var note: String?
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
    public var device: String?
    public var scope: Role = .supervisor
    public var limit = 100
    public init(open: Bool? = nil, device: String? = nil) { (self.open, self.device) = (open, device) }
}

/// A step to record on a hazard's timeline. `party` is who records it: the firm's or owner's id,
/// or `supervisor`.
public struct HazardStepDraft: Sendable {
    public let hazard: Int64
    public let step: HazardStep
    public let party: String
    public let by: String
    public let organisation: String?
    public let note: String?
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
