import Foundation
import Hummingbird

/// Every API error is `{"error": {"code", "message"}}` with its status (SPEC §7); an unexpected
/// failure adds `error_id`, the id of its log line.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var headers: HTTPFields = [:]
    /// Set for unexpected failures (`ErrorMiddleware`): the id its log line carries.
    var errorId: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        (self.status, self.code, self.message) = (status, code, message)
    }

    static func badParameter(_ name: String, _ why: String) -> APIError {
        APIError(.badRequest, "bad_parameter", "\(name): \(why)")
    }
    /// 404 `not_found`: missing, or outside the caller's scope (worded the same).
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }
    static let supervisorOnly = APIError(.forbidden, "forbidden", "this route is for supervisors only")

    /// The error as a response: its status, its headers and the JSON body.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The JSON body.
    public var body: String {
        var error = ["code": code, "message": message]
        if let errorId { error["error_id"] = errorId }
        let payload = ["error": error]
        let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
