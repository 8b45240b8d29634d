import Domain
import HTTPTypes
import Hummingbird

/// Says which language an answer's sentences are in (`Content-Language`) and that it depends on
/// `Accept-Language` (`Vary`), so a cache never gives a Chinese reader an English answer.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentLanguage] = Params.language(request).contentLanguage
        response.headers[.vary] = "Accept-Language"
        return response
    }
}
