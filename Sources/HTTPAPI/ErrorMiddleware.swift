import Foundation
import Hummingbird
import Logging
import Records

/// Turns any error that is not already an API answer (a storage failure, a bug) into the JSON
/// error shape with an error id, and logs it with the same id: the caller can quote the id, the
/// operator finds the line. Errors that are answers already (`APIError`, Hummingbird's own) pass.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw Self.answer(for: error, request: request, logger: logger)
        }
    }

    /// The answer for an unexpected `error`, logged with its id: 503 `store_unavailable` when
    /// the store failed as a whole (busy, locked, I/O, damaged: worth retrying later), else 500
    /// `internal`.
    static func answer(for error: any Error, request: Request, logger: Logger) -> APIError {
        let id = ErrorId.make()
        let storeFailure = (error as? StoreError).map { $0.isStoreFailure } ?? false
        logger.error("request failed", metadata: [
            "error_id": "\(id)", "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
        ])
        var answer = storeFailure
            ? APIError(.serviceUnavailable, "store_unavailable", "the store cannot answer right now; try again (error \(id))")
            : APIError(.internalServerError, "internal", "the server failed to answer; quote error \(id) to the operator")
        answer.errorId = id
        if storeFailure { answer.headers[.retryAfter] = "5" }
        return answer
    }
}

/// Short random ids for failed requests (12 hex digits: unique enough to find one log line).
enum ErrorId {
    static func make() -> String {
        var g = SystemRandomNumberGenerator()
        return String(format: "%012llx", g.next() & 0xFFFF_FFFF_FFFF)
    }
}
