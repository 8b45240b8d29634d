import Domain
import Foundation

/// The kinds of change the live stream carries (SPEC §7: `event: alarm|notice|grade|device`).
public enum ChangeKind: String, Sendable, Codable, CaseIterable {
    case alarm, notice, grade, device
}

/// One change as the stream sends it, with the device's firm and owner for scope.
public struct ChangeRow: Sendable, Equatable, Decodable {
    public var id: Int64
    public var at: Int64
    public var kind: ChangeKind
    public var firm: String
    public var owner: String
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
