import Domain
import Foundation

/// Filters of `equipwatch alarms` / `incidents` (and `GET /v1/alarms`, `/v1/incidents`).
public struct AlarmFilter: PagedFilter {
    /// The device's registration code.
    public var device: String?
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String?
    /// The site's id.
    public var site: String?
    /// The maintenance firm's id.
    public var firm: String?
    /// The alarm's severity.
    public var severity: Severity?
    /// Alarms: pending, firing, resolved, or `open` (pending or firing).
    public var state: AlarmStateFilter?
    /// Incidents: open or resolved.
    public var status: IncidentStatus?
    /// The id of the rule that raised it.
    public var rule: String?
    /// One alarm or incident by id.
    public var id: Int64?
    /// Started (alarms) or opened (incidents) at or after / at or before.
    public var from: Int64?
    public var to: Int64?
    public var limit = 100
    /// Only what this role may see.
    public var scope: Role = .supervisor
    /// The language messages and titles are read in.
    public var language: Language = .en
    /// The page after this one (alarms by start, incidents by opening, newest first).
    public var after: PageCursor?
    public init() {}
}
