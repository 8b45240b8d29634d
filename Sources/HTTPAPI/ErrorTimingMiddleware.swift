import Dispatch
import HTTPTypes
import Hummingbird
import Metrics

/// Records the duration of requests that end in an error (4xx, 5xx) under the same timer,
/// labels and route as Hummingbird's `MetricsMiddleware`, which times successful responses only:
/// a slow 404 or 503 is then visible in `equipwatch_http_request_duration_seconds` too. It sits
/// between `MetricsMiddleware` and `ErrorMiddleware`, so every error it sees has its status.
struct ErrorTimingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            return try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            Timer(label: "http.server.request.duration", dimensions: [
                ("http.route", context.endpointPath ?? "NotFound"),
                ("http.request.method", request.method.description),
                ("http.response.status_code", status.code.description),
            ], preferredDisplayUnit: .seconds).recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            throw error
        }
    }
}
