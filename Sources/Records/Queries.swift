import Domain
import Foundation

/// Filters of the device list (the CLI's `devices`, the API's `GET /v1/devices`).
public struct DeviceFilter: Sendable {
    /// The device type's id (`elevator`, `boiler`...).
    public var type: String?
    /// The site's id.
    public var site: String?
    /// The maintenance firm's id.
    public var firm: String?
    /// The gateway's id.
    public var gateway: String?
    /// The risk grade (blue, yellow, orange, red).
    public var grade: Grade?
    /// The owner's (使用单位) id.
    public var owner: String?
    /// Only devices that must (true) or may (false) be used.
    public var mustNotUse: Bool?
    /// One device by registration code.
    public var id: String?
    /// Only what this role may see.
    public var scope: Role = .supervisor
    /// The language must-not-use reasons are read in.
    public var language: Language = .en
    /// The page after this device id (devices are listed by id).
    public var after: String?
    public init(type: String? = nil, site: String? = nil, firm: String? = nil, gateway: String? = nil, grade: Grade? = nil) {
        (self.type, self.site, self.firm, self.gateway, self.grade) = (type, site, firm, gateway, grade)
    }
}

/// Where the next page of a list starts (SPEC §7: keyset pages, stable while rows arrive): the
/// sort value and id of the last row of the previous page, or the text key for devices. Clients
/// see it only as an opaque string.
public struct PageCursor: Sendable, Equatable {
    public let sort: Int64
    /// The row's id (stable: pages and links cite it).
    public let id: Int64
    /// The value counted by (a type, a month, a firm...).
    public let key: String?

    public init(sort: Int64, id: Int64) {
        (self.sort, self.id) = (sort, id)
        key = nil
    }

    public init(key: String) {
        sort = 0
        id = 0
        self.key = key
    }

    public var encoded: String {
        let text = key.map { "k:" + $0 } ?? "\(sort):\(id)"
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// nil for anything this server did not hand out.
    public init?(encoded: String) {
        var b64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard encoded.count <= 400, let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8) else { return nil }
        if text.hasPrefix("k:") { self.init(key: String(text.dropFirst(2))); return }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let s = Int64(parts[0]), let i = Int64(parts[1]) else { return nil }
        self.init(sort: s, id: i)
    }
}

/// A filter that pages: at most `limit` rows after `after`.
public protocol PagedFilter: Sendable {
    var limit: Int { get set }
    var after: PageCursor? { get set }
}
