import Domain
import Foundation

/// Filters of notices (`equipwatch notices`, `GET /v1/notices`).
public struct NoticeFilter: PagedFilter {
    /// The maintenance firm's id.
    public var firm: String?
    /// Where it stands.
    public var status: NoticeStatus?
    /// The device's registration code.
    public var device: String?
    /// What kind it is (a closed vocabulary, per record).
    public var kind: NoticeKind?
    /// A dispatcher's queue: notices not closed whose `due_by` is before this instant, soonest
    /// due first (instead of newest first).
    public var dueBefore: Int64?
    public var limit = 100
    /// Only what this role may see.
    public var scope: Role = .supervisor
    /// The language reasons are read in.
    public var language: Language = .en
    /// The page after this one (notices newest first, by id).
    public var after: PageCursor?
    public init() {}
}
