import Domain
import Foundation
import Hummingbird
import Logging
import Metrics
import Services
import Records

/// Checks `Authorization: Bearer TOKEN` against the store's token hashes on every request, so a
/// revocation takes effect at the caller's next request. Refusals are 401 with
/// `WWW-Authenticate: Bearer`, counted (`equipwatch_http_auth_failures_total`) and logged once per
/// address and minute; past `api.auth_failures_per_minute` the address gets 429 (`AuthThrottle`).
struct BearerAuth: RouterMiddleware {
    typealias Context = APIContext
    let store: any Store
    let logger: Logger
    let throttle: AuthThrottle

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let address = context.clientAddress ?? "unknown"
        let now = wallMillis()
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw refuse("missing", "a bearer token is required (Authorization: Bearer TOKEN)", address: address, now: now)
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        let result: Result<TokenGrant, TokenRefusal>
        let hash = SHA256.hex(token.utf8)
        do { result = try await store.access { try $0.grant(hash: hash, now: wallMillis()) } } catch {
            logger.error("cannot check a token", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "store_unavailable", "the store cannot be read right now; try again")
        }
        switch result {
        case .success(let grant):
            var context = context
            context.grant = grant
            return try await next(request, context)
        case .failure(let why):
            throw refuse("\(why)", "the token is not valid", address: address, now: now)
        }
    }

    /// A 401, counted; logged for the first failure of the address's minute and when it starts
    /// to be throttled, not for every one. Once the address has failed `limit` times within the
    /// minute it gets 429 with `Retry-After` instead (a valid token from the same address, behind
    /// the same NAT, is still served).
    private func refuse(_ reason: String, _ message: String, address: String, now: Int64) -> APIError {
        if let wait = throttle.retryAfter(address, now: now) {
            Counter(label: "equipwatch_http_auth_throttled_total").increment()
            var e = APIError(.tooManyRequests, "too_many_failures",
                             "\(throttle.limit) failed authentications from this address within a minute; try again in \(wait) s")
            e.headers[.retryAfter] = "\(wait)"
            return e
        }
        if throttle.failed(address, now: now) {
            logger.notice("API request refused (further refusals from this address within the minute are counted, not logged)",
                          metadata: ["reason": "\(reason)", "address": "\(address)"])
        }
        Counter(label: "equipwatch_http_auth_failures_total", dimensions: [("reason", reason)]).increment()
        var e = APIError(.unauthorized, "unauthorized", message)
        e.headers[.wwwAuthenticate] = "Bearer"
        return e
    }
}
