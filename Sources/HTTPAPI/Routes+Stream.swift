import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Records

extension APIServer {
    /// `GET /v1/stream`: the caller's changes as Server-Sent Events, first what it missed since
    /// `Last-Event-ID` (from the store), then live from the shared `ChangeFeed`.
    ///
    /// A client that does not read is cut off, never fed without end: before each event the
    /// connection must be able to take it (the socket's buffer and NIO's up to its high-water
    /// mark, 64 KiB), and a client that has not made room within `streams.stallMs` gets
    /// `: fell behind; reconnect with Last-Event-ID N to resume` and the end of the response. Its
    /// reconnect resumes from the store, so nothing is skipped, and a slow client costs at most
    /// those buffers (about two blocks of `streams.batch` changes), not every change since.
    func addStreamRoute(to v1: RouterGroup<APIContext>) {
        let store = self.store
        let stallMs = limits.streams.stallMs
        v1.get("stream") { request, context in
            let caller = try context.caller()
            let resume = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0) }
            let feed = self.feed
            let subscription: (token: UInt64, head: Int64, items: AsyncStream<ChangeFeed.Item>)
            do { subscription = try await feed.subscribe(tokenId: caller.id) } catch is ChangeFeed.TooManyStreams {
                var e = APIError(.serviceUnavailable, "too_many_streams",
                                 "\(feed.limits.maxStreams) live streams are open, the most this server keeps; try again shortly")
                e.headers[.retryAfter] = "5"
                throw e
            }
            context.whenClosed { feed.unsubscribe(subscription.token) }
            let writable = context.isWritable
            let body = ResponseBody { writer in
                var ended = false
                defer { if !ended { feed.unsubscribe(subscription.token) } }
                var sent = resume ?? subscription.head
                var behind = false
                /// Writes the events of `rows` the caller may see, as one block, once the client
                /// has room for it; false when it has not made room within the stall time.
                func send(_ rows: some Sequence<ChangeRow>) async throws -> Bool {
                    var block = ""
                    var newest = sent
                    for row in rows where row.id > sent && row.visible(to: caller.role) {
                        block += Self.event(row)
                        newest = row.id
                    }
                    guard !block.isEmpty else { return true }
                    guard await Self.room(writable, withinMs: stallMs) else { return false }
                    try await writer.write(ByteBuffer(string: block))
                    sent = newest
                    return true
                }
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                // What a reconnecting client missed, from the store, up to where the live feed begins.
                var from = sent
                catchUp: while from < subscription.head {
                    let after = from
                    let rows = try await store.access { try $0.changes(after: after, scope: caller.role, limit: 1000) }
                        .filter { $0.id <= subscription.head }
                    if !(try await send(rows)) { behind = true; break catchUp }
                    guard let last = rows.last else { break }
                    from = last.id
                }
                if !behind {
                    sent = max(sent, subscription.head)
                    live: for await item in subscription.items {
                        switch item {
                        case .changes(let rows):
                            if !(try await send(rows)) { behind = true; break live }
                        case .keepalive:
                            try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                        }
                    }
                }
                // Ended by the server: say why, so a client (and its operator) knows what to do.
                ended = true
                let ending = feed.unsubscribe(subscription.token)
                if behind, ending != .behind { feed.noteCutOff() }
                if behind || ending == .behind {
                    try await writer.write(ByteBuffer(string: ": fell behind; reconnect with Last-Event-ID \(sent) to resume\n\n"))
                } else if ending == .tokenInvalid {
                    try await writer.write(ByteBuffer(string: ": token revoked or expired\n\n"))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }

    /// Waits until the connection can take more (`writable`), at most `ms`; false if it cannot.
    static func room(_ writable: @Sendable () -> Bool, withinMs ms: Int64) async -> Bool {
        if writable() { return true }
        let deadline = ContinuousClock.now + .milliseconds(ms)
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            if writable() { return true }
        }
        return false
    }
}
