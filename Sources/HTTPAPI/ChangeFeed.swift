import Domain
import Foundation
import Logging
import Metrics
import Services
import ServiceLifecycle
import Records
import Synchronization

/// Fans the store's `changes` out to the live streams (SPEC §7 `/v1/stream`). One poller reads
/// new changes for every stream, so many streams cost one indexed query per tick, not one each;
/// each stream filters by its caller's scope. Changes come from the store, so whatever wrote
/// them (the pipeline, the CLI, the API) they appear.
public final class ChangeFeed: Sendable {
    /// What a stream receives from the feed: a block of changes, or a keepalive.
    public enum Item: Sendable {
        /// The changes of one poll, oldest first: a stream writes them as one block, so a
        /// hundred streams cost the event loop a hundred writes a poll, not a hundred thousand.
        case changes([ChangeRow])
        /// Every `keepaliveMs`: the stream sends a comment so proxies keep it open.
        case keepalive
    }

    /// Why a stream ended before its client closed it.
    public enum Ending: String, Sendable {
        /// The client fell more than `pendingPolls` polls behind: it resumes from the store with
        /// `Last-Event-ID`, so nothing is skipped and no client holds more than its buffer.
        case behind
        /// Its token was revoked or expired.
        case tokenInvalid = "token_invalid"
        /// The server is stopping.
        case shutdown
    }

    /// Limits: streams at once, changes waiting per client, how often tokens are re-checked.
    public struct Limits: Sendable {
        public var maxStreams = 500
        /// Changes read per poll and written to each stream as one block.
        public var batch = 1000
        public var tokenCheckMs: Int64 = 2000
        /// How often the store is polled for new changes; each poll takes at most `buffer` of them.
        public var tickMs = 250
        /// How long a stream waits for its client to make room for the next event before it is
        /// cut off (the client then resumes from the store).
        public var stallMs: Int64 = 2000
        /// Polls' worth of changes (and keepalives) that may wait for one stream.
        var pendingPolls = 8
        public init() {}
    }

    /// More streams than `Limits.maxStreams`.
    struct TooManyStreams: Error {}

    private struct Subscriber {
        let continuation: AsyncStream<Item>.Continuation
        let tokenId: Int64
        var ending: Ending?
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        /// Why streams that ended early ended, until their handler reads it.
        var endings: [UInt64: Ending] = [:]
        var nextToken: UInt64 = 0
        var polling = false
        var closed = false
    }

    private let store: any Store
    private let tickMs: Int
    private let keepaliveMs: Int64
    let limits: Limits
    private let logger: Logger
    private let state = Mutex(State())

    public init(store: any Store, keepaliveMs: Int64 = 15_000, limits: Limits = Limits(), logger: Logger) {
        self.store = store
        tickMs = limits.tickMs
        (self.keepaliveMs, self.limits, self.logger) = (keepaliveMs, limits, logger)
    }

    /// A stream of changes after the newest one now (returned with it), until `unsubscribe`, for
    /// a caller holding token `tokenId`. Throws `TooManyStreams` beyond the limit.
    func subscribe(tokenId: Int64) async throws -> (token: UInt64, head: Int64, items: AsyncStream<Item>) {
        let head = try await store.access { try $0.lastChangeId() }
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(limits.pendingPolls))
        let (token, start) = try state.withLock { s throws -> (UInt64, Bool) in
            guard s.subscribers.count < limits.maxStreams else { throw TooManyStreams() }
            if s.closed { continuation.finish() }
            s.nextToken += 1
            s.subscribers[s.nextToken] = Subscriber(continuation: continuation, tokenId: tokenId)
            defer { s.polling = true }
            return (s.nextToken, !s.polling)
        }
        if start { Task.detached { [self] in await poll(from: head) } }
        return (token, head, stream)
    }

    /// Ends the subscription; returns why the stream ended early, if it did.
    @discardableResult
    func unsubscribe(_ token: UInt64) -> Ending? {
        state.withLock { s in
            s.subscribers.removeValue(forKey: token)?.continuation.finish()
            return s.endings.removeValue(forKey: token)
        }
    }

    /// Open streams now.
    public var streams: Int { state.withLock { $0.subscribers.count } }

    /// Ends every stream (graceful shutdown: the server can then finish its responses).
    public func close() {
        state.withLock { s in
            s.closed = true
            for (token, sub) in s.subscribers {
                s.endings[token] = .shutdown
                sub.continuation.finish()
            }
            s.subscribers.removeAll()
        }
    }

    /// Ends one stream early, remembering why.
    private func end(_ token: UInt64, _ why: Ending) {
        state.withLock { s in
            guard let sub = s.subscribers.removeValue(forKey: token) else { return }
            s.endings[token] = why
            sub.continuation.finish()
        }
        streamEndings.increment()
        logger.info("stream ended by the server", metadata: ["why": "\(why.rawValue)"])
    }

    private let streamEndings = Counter(label: "equipwatch_http_streams_ended_total")

    /// A stream handler cut its client off (it did not read).
    func noteCutOff() {
        streamEndings.increment()
        logger.info("stream ended by the server", metadata: ["why": "behind"])
    }

    private func poll(from head: Int64) async {
        var last = head
        var lastKeepalive = Date()
        var lastTokenCheck = Date()
        while true {
            let subscribers = state.withLock { s -> [(UInt64, Subscriber)]? in
                if s.subscribers.isEmpty || s.closed { s.polling = false; return nil }
                return Array(s.subscribers)
            }
            guard let subscribers else { return }
            var behind: Set<UInt64> = []
            func send(_ item: Item) {
                for (token, sub) in subscribers where !behind.contains(token) {
                    if case .dropped = sub.continuation.yield(item) { behind.insert(token) }
                }
            }
            do {
                // No more a poll than one buffer: a client that keeps up never finds its buffer full.
                let (after, limit) = (last, min(1000, limits.batch))
                let rows = try await store.access { try $0.changes(after: after, scope: .supervisor, limit: limit) }
                if let newest = rows.last {
                    send(.changes(rows))
                    last = newest.id
                }
            } catch {
                logger.error("stream: cannot read changes; retrying", metadata: ["error": "\(error)"])
            }
            if Date().timeIntervalSince(lastKeepalive) * 1000 >= Double(keepaliveMs) {
                send(.keepalive)
                lastKeepalive = Date()
            }
            // A client that could not take a change is cut off: the changes it has are delivered,
            // then its response ends and it resumes from the store where it stopped.
            for token in behind { end(token, .behind) }
            if Date().timeIntervalSince(lastTokenCheck) * 1000 >= Double(limits.tokenCheckMs) {
                lastTokenCheck = Date()
                let ids = Set(subscribers.map(\.1.tokenId))
                if let valid = try? await store.access({ try $0.validTokens(ids, now: wallMillis()) }) {
                    for (token, sub) in subscribers where !valid.contains(sub.tokenId) { end(token, .tokenInvalid) }
                }
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
    /// Waits for the service group's graceful shutdown, then ends every open stream.
    public func run() async throws {
        await gracefulShutdownOrCancel()
        feed.close()
    }

    private func gracefulShutdownOrCancel() async {
        do { try await gracefulShutdown() } catch { /* cancelled: closing is all there is to do */ }
    }
}
