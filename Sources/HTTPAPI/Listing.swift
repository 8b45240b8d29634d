import Domain
import Foundation
import Hummingbird
import Presentation
import Records

/// List answers (SPEC §7): `{"items": [...], "next_cursor": ...}` one page at a time, or with
/// `format=csv` every matching row, streamed page by page (no cap). The same typed rows as the
/// CLI, rendered by the same code, so the keys are the same.
enum Listing {
    /// Every row in one page (`next_cursor` null): short answers that are not paged.
    static func page<Row: ResponseRow>(_ rows: [Row]) -> Response {
        json(JSONAnswer.page(rows, nextCursor: nil))
    }

    static func respond<Row: ResponseRow>(_ params: Params, fetch: @escaping @Sendable (_ limit: Int, _ after: PageCursor?) throws -> [Row],
                                          cursor: @escaping @Sendable (Row) -> PageCursor) async throws -> Response {
        let start = try params.cursor()
        let limit = try params.limit()  // checked for CSV too, where every row is sent
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
            let first = try await StoreThreads.offload { try fetch(1000, start) }
            let body = ResponseBody { writer in
                var rows = first
                var header = true
                while true {
                    try await writer.write(ByteBuffer(string: ResultTable(rows).csv(header: header)))
                    header = false
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
