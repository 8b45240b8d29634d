import Domain
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Fans the store's `changes` out to the live streams (SPEC §7 `/v1/stream`). One poller reads
/// new changes for every stream, so many streams cost one indexed query per tick, not one each;
/// each stream filters by its caller's scope. Changes come from the store, so whatever wrote
/// them (the pipeline, the CLI, the API) they appear.
public final class ChangeFeed: Sendable {
    public enum Item: Sendable {
        case change(ChangeRow)
        /// Every `keepaliveMs`: the stream sends a comment so proxies keep it open.
        case keepalive
    }

    private struct State {
        var subscribers: [UInt64: AsyncStream<Item>.Continuation] = [:]
        var nextToken: UInt64 = 0
        var polling = false
        var closed = false
    }

    private let store: Store
    private let tickMs: Int
    private let keepaliveMs: Int64
    private let logger: Logger
    private let state = Mutex(State())

    public init(store: Store, tickMs: Int = 250, keepaliveMs: Int64 = 15_000, logger: Logger) {
        self.store = store
        self.tickMs = tickMs
        self.keepaliveMs = keepaliveMs
        self.logger = logger
    }

    /// A stream of changes after the newest one now (returned with it), until `unsubscribe`.
    func subscribe() throws -> (token: UInt64, head: Int64, items: AsyncStream<Item>) {
        let head = try store.lastChangeId()
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let (token, start) = state.withLock { s -> (UInt64, Bool) in
            if s.closed { continuation.finish() }
            s.nextToken += 1
            s.subscribers[s.nextToken] = continuation
            defer { s.polling = true }
            return (s.nextToken, !s.polling)
        }
        if start { Task.detached { [self] in await poll(from: head) } }
        return (token, head, stream)
    }

    func unsubscribe(_ token: UInt64) {
        state.withLock { $0.subscribers.removeValue(forKey: token)?.finish() }
    }

    /// Ends every stream (graceful shutdown: the server can then finish its responses).
    public func close() {
        state.withLock { s in
            s.closed = true
            for c in s.subscribers.values { c.finish() }
            s.subscribers.removeAll()
        }
    }

    private func poll(from head: Int64) async {
        var last = head
        var lastKeepalive = Date()
        while true {
            let subscribers = state.withLock { s -> [AsyncStream<Item>.Continuation]? in
                if s.subscribers.isEmpty || s.closed { s.polling = false; return nil }
                return Array(s.subscribers.values)
            }
            guard let subscribers else { return }
            do {
                let rows = try store.changes(after: last, scope: .supervisor, limit: 1000)
                for row in rows {
                    for c in subscribers { c.yield(.change(row)) }
                    last = row.id
                }
            } catch {
                logger.error("stream: cannot read changes; retrying", metadata: ["error": "\(error)"])
            }
            if Date().timeIntervalSince(lastKeepalive) * 1000 >= Double(keepaliveMs) {
                for c in subscribers { c.yield(.keepalive) }
                lastKeepalive = Date()
            }
            try? await Task.sleep(for: .milliseconds(tickMs))
        }
    }
}

/// Closes the live streams when `equipwatch run` shuts down, so the HTTP server's graceful
/// shutdown is not held open by them. List it after the server in the service group: services
/// stop in reverse order.
public struct StreamCloser: Service {
    let feed: ChangeFeed
    public init(feed: ChangeFeed) { self.feed = feed }
    public func run() async throws {
        await gracefulShutdownOrCancel()
        feed.close()
    }

    private func gracefulShutdownOrCancel() async {
        do { try await gracefulShutdown() } catch { /* cancelled: closing is all there is to do */ }
    }
}
