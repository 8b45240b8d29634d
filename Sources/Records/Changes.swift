import Domain
import Foundation

/// The kinds of change the live stream carries (SPEC §7: `event: alarm|notice|grade|device`).
public enum ChangeKind: String, Sendable, Codable, CaseIterable {
    case alarm, notice, grade, device, accident
}

/// One change as the stream sends it, with the device's firm and owner for scope.
public struct ChangeRow: Sendable, Equatable, Decodable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// When it happened.
    public var at: Int64
    /// What kind it is (a closed vocabulary, per record).
    public var kind: ChangeKind
    /// The maintenance firm's id.
    public var firm: String
    /// The owner's (使用单位) id.
    public var owner: String
    /// The event's JSON, as the stream sends it.
    public var payload: String

    /// Whether `role` may see this change.
    public func visible(to role: Role) -> Bool {
        switch role {
        case .supervisor: true
        case .firm(let id): firm == id
        case .owner(let id): owner == id
        }
    }
}
