import Domain
import Hummingbird
import Records

/// The request context: Hummingbird's core storage plus who is calling, once the bearer token
/// has been checked.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `BearerAuth` for every `/v1` route.
    public var grant: TokenGrant?
    /// The peer's IP address (failed authentications are throttled per address).
    let clientAddress: String?
    /// Runs its argument once the connection is closed (a live stream ends then, instead of at
    /// its next write: a client gone must not hold a stream's slot until the next keepalive).
    let whenClosed: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Whether the connection takes more output now (NIO's buffer below its high-water mark).
    let isWritable: @Sendable () -> Bool

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
        let channel = source.channel
        whenClosed = { action in channel.closeFuture.whenComplete { _ in action() } }
        isWritable = { channel.isWritable }
    }

    /// The caller's grant; routes under `/v1` always have one.
    func caller() throws -> TokenGrant {
        guard let grant else { throw APIError(.unauthorized, "unauthorized", "a bearer token is required") }
        return grant
    }

    /// The caller's grant and the request's query parameters: how most `/v1` handlers begin.
    func caller(_ request: Request) throws -> (TokenGrant, Params) { (try caller(), Params(request)) }

    /// Refuses callers other than supervisors (403: the route exists, the role may not use it).
    func requireSupervisor() throws -> TokenGrant {
        let g = try caller()
        guard g.role == .supervisor else { throw APIError.supervisorOnly }
        return g
    }
}
