import Domain
import Foundation

/// A token as `tokens list` shows it: never its secret, not even its hash.
public struct TokenItem: ResponseRow, Decodable, Equatable {
    public var id: Int64
    public var name: String
    public var role: String
    public var createdAt: Instant
    public var expiresAt: Instant?
    var revokedAt: Instant?
    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, role, createdAt = "created_at", expiresAt = "expires_at", revokedAt = "revoked_at"
    }
}

/// What a request's token resolves to.
public struct TokenGrant: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let role: Role

    public init(id: Int64, name: String, role: Role) { (self.id, self.name, self.role) = (id, name, role) }
}

/// Why a token was not accepted; the API answers 401 to all of them alike.
public enum TokenRefusal: Error, Sendable, Equatable {
    case unknown, revoked, expired, badRole
}
