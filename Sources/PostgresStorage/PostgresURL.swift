import Records
import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=MODE]` (also
/// `postgresql://`), as libpq reads it. User and password may be percent-encoded.
///
/// `sslmode`: `disable` (no TLS), `prefer` (TLS when the server offers it, the default, as in
/// libpq), `require` (TLS, the certificate not checked), `verify-full` (TLS, the certificate
/// checked against the system's roots and the host name).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable { case disable, prefer, require, verifyFull = "verify-full" }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode

    /// Whether `text` names a PostgreSQL store (its scheme), so a caller can tell the engines apart.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses the URL, or says what is wrong with it in one line.
    public init(parsing text: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError {
            .cannotOpen(path: Self.redacted(text), reason: "\(why); expected postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=disable|prefer|require|verify-full]")
        }
        guard Self.isPostgres(text), let c = URLComponents(string: text) else { throw bad("not a PostgreSQL URL") }
        guard let host = c.host, !host.isEmpty else { throw bad("no host") }
        guard let user = c.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else { throw bad("no user") }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("no database name after the host") }
        var mode = SSLMode.prefer
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let m = item.value.flatMap(SSLMode.init(rawValue:)) else { throw bad("sslmode '\(item.value ?? "")' is not one of disable, prefer, require, verify-full") }
                mode = m
            default:
                throw bad("unknown parameter '\(item.name)'")
            }
        }
        if let p = c.port, !(1...65535).contains(p) { throw bad("port \(p) is out of range") }
        self.user = user
        self.password = c.password?.removingPercentEncoding
        self.host = host
        self.port = c.port ?? 5432
        self.database = database
        self.sslMode = mode
    }

    /// The URL without its password: what messages and logs show.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)\(sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)")"
    }

    /// The URL in full, password included (percent-encoded): what connects.
    var urlText: String {
        let allowed = CharacterSet.urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))
        let user = self.user.addingPercentEncoding(withAllowedCharacters: allowed) ?? self.user
        let password = self.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) } ?? ""
        return "postgres://\(user)\(password)@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// `text` with any password replaced, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// The connection settings postgres-nio takes.
    func configuration() throws(StoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch sslMode {
            case .disable:
                tls = .disable
            case .prefer, .require:
                var config = TLSConfiguration.makeClientConfiguration()
                config.certificateVerification = .none
                let context = try NIOSSLContext(configuration: config)
                tls = sslMode == .prefer ? .prefer(context) : .require(context)
            case .verifyFull:
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw .cannotOpen(path: description, reason: "TLS cannot be set up: \(error)")
        }
        var c = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        c.options.connectTimeout = .seconds(10)
        return c
    }
}
