import Domain
import Foundation

/// A token as `tokens list` shows it: never its secret, not even its hash.
public struct TokenItem: ResponseRow, Decodable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public var id: Int64
    /// The display name.
    public var name: String
    /// What the token may do and see.
    public var role: String
    /// When it was created.
    public var createdAt: Instant
    public var expiresAt: Instant?
    public var revokedAt: Instant?
    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, role, createdAt = "created_at", expiresAt = "expires_at", revokedAt = "revoked_at"
    }
}

/// What a request's token resolves to.
public struct TokenGrant: Sendable, Equatable {
    /// The row's id (stable: pages and links cite it).
    public let id: Int64
    /// The display name.
    public let name: String
    /// What the token may do and see.
    public let role: Role

    public init(id: Int64, name: String, role: Role) { (self.id, self.name, self.role) = (id, name, role) }
}

/// Why a token was not accepted; the API answers 401 to all of them alike.
public enum TokenRefusal: Error, Sendable, Equatable {
    case unknown, revoked, expired, badRole
}
