import Domain
import Foundation
import Hummingbird
import Logging
import Metrics
import Pipeline
import Storage

/// Checks `Authorization: Bearer TOKEN` against the store's token hashes on every request, so a
/// revocation takes effect at the caller's next request. Refusals are 401 with
/// `WWW-Authenticate: Bearer`, logged and counted (`equipwatch_http_auth_failures_total`).
struct BearerAuth: RouterMiddleware {
    typealias Context = APIContext
    let store: Store
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw refuse("missing", "a bearer token is required (Authorization: Bearer TOKEN)")
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        let result: Result<TokenGrant, TokenRefusal>
        do { result = try store.grant(hash: SHA256.hex(token.utf8), now: wallMillis()) } catch {
            logger.error("cannot check a token", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "store_unavailable", "the store cannot be read right now; try again")
        }
        switch result {
        case .success(let grant):
            var context = context
            context.grant = grant
            return try await next(request, context)
        case .failure(let why):
            throw refuse("\(why)", "the token is not valid")
        }
    }

    private func refuse(_ reason: String, _ message: String) -> APIError {
        logger.notice("API request refused", metadata: ["reason": "\(reason)"])
        Counter(label: "equipwatch_http_auth_failures_total", dimensions: [("reason", reason)]).increment()
        var e = APIError(.unauthorized, "unauthorized", message)
        e.headers[.wwwAuthenticate] = "Bearer"
        return e
    }
}
