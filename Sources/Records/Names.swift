import Domain
import Foundation

/// A registry name in both languages (`GET /v1/names`): the console shows the Chinese one to
/// readers in Chinese.
public struct NameItem: ResponseRow, Decodable, Equatable {
    /// `firm`, `owner` or `site`.
    public var kind: String
    /// The row's id (stable: pages and links cite it).
    public var id: String
    /// The display name.
    public var name: String
    public var nameZh: String?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, id, name, nameZh = "name_zh"
    }
}
