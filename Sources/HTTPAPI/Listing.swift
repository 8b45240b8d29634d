import Domain
import Foundation
import Hummingbird
import Presentation
import Records

/// List answers (SPEC §7): `{"items": [...], "next_cursor": ...}` one page at a time, or with
/// `format=csv` every matching row, streamed page by page (no cap). The same typed rows as the
/// CLI, rendered by the same code, so the keys are the same.
enum Listing {
    /// The zone CSV answers show times in: the server's display zone, bound per request by
    /// `ZoneMiddleware`.
    @TaskLocal static var zone: DisplayZone = .shanghai

    /// Every row in one page (`next_cursor` null): short answers that are not paged.
    static func page<Row: ResponseRow>(_ rows: [Row]) -> Response {
        json(JSONAnswer.page(rows, nextCursor: nil))
    }

    static func respond<Row: ResponseRow>(_ params: Params, fetch: @escaping @Sendable (_ limit: Int, _ after: PageCursor?) throws -> [Row],
                                          cursor: @escaping @Sendable (Row) -> PageCursor) async throws -> Response {
        let start = try params.cursor()
        let limit = try params.limit()  // checked for CSV too, where every row is sent
        let heading = try params.csvHeader(Row.columnNames)   // checked for JSON too, where it does nothing
        switch try params.format() {
        case .json:
            var rows = try await StoreThreads.offload { try fetch(limit + 1, start) }
            var next: String?
            if rows.count > limit {
                rows.removeLast(rows.count - limit)
                next = rows.last.map { cursor($0).encoded }
            }
            return json(JSONAnswer.page(rows, nextCursor: next))
        case .csv:
            // For people: times in the display zone with their offset, headings in their language
            // (`header=names` for the JSON keys).
            let zone = Self.zone
            let first = try await StoreThreads.offload { try fetch(1000, start) }
            let body = ResponseBody { writer in
                var rows = first
                try await writer.write(ByteBuffer(string: ResultTable(columns: heading, rows: []).csv(header: true)))
                while true {
                    try await writer.write(ByteBuffer(string: ResultTable(rows).csv(header: false, zone: zone)))
                    guard rows.count == 1000, let last = rows.last else { break }
                    let next = cursor(last)
                    rows = try await StoreThreads.offload { try fetch(1000, next) }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: body)
        }
    }

    /// A list of a paged filter's query: each page asks `query` with the page's limit and cursor.
    static func respond<Filter: PagedFilter, Row: ResponseRow>(_ params: Params, filter: Filter,
                                                               query: @escaping @Sendable (Filter) throws -> [Row],
                                                               cursor: @escaping @Sendable (Row) -> PageCursor) async throws -> Response {
        try await respond(params, fetch: { limit, after in
            var page = filter
            page.limit = limit
            page.after = after
            return try query(page)
        }, cursor: cursor)
    }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

}

/// Binds `Listing.zone` to the server's display zone for the request's handling.
struct ZoneMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let zone: DisplayZone

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        try await Listing.$zone.withValue(zone) { try await next(request, context) }
    }
}
