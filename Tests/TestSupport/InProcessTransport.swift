import Dispatch
import Foundation
import Pipeline
import Synchronization

/// A `MessageTransport` without a broker: messages handed to `deliver` reach the engine from a
/// thread of the transport's own, one at a time and in order, as the MQTT subscriber's network
/// thread would hand them over (including `idle` after each pass). For testing the worker
/// in-process; the end-to-end tests keep using mosquitto.
public final class InProcessTransport: MessageTransport {
    private struct State {
        var sink: MessageSink?
        var inbox: [(topic: [UInt8], payload: [UInt8])] = []
        var stopping = false
        var running = false
        var subscriptions: [String] = []
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    public init() {}

    /// Pass as the pipeline's `transport`: binds this transport to the pipeline's sink.
    public var maker: TransportMaker {
        { [self] sink, subscriptions in
            state.withLock {
                $0.sink = sink
                $0.subscriptions = subscriptions
            }
            return self
        }
    }

    /// The topic filters the pipeline asked for.
    public var subscriptions: [String] { state.withLock { $0.subscriptions } }

    /// Hands one message to the engine (asynchronously, in order).
    public func deliver(topic: String, payload: String) {
        state.withLock { $0.inbox.append((Array(topic.utf8), Array(payload.utf8))) }
        wake.signal()
    }

    public func start() {
        state.withLock { $0.running = true }
        let t = Thread { [self] in run() }
        t.name = "in-process-transport"
        t.start()
    }

    private func run() {
        defer { finished.signal() }
        while true {
            _ = wake.wait(timeout: .now() + .milliseconds(5))
            let (sink, batch, stopping) = state.withLock { s in
                defer { s.inbox.removeAll(keepingCapacity: true) }
                return (s.sink, s.inbox, s.stopping)
            }
            guard let sink else { continue }
            for m in batch {
                m.topic.withUnsafeBytes { topic in m.payload.withUnsafeBytes { payload in sink.message(topic, payload) } }
            }
            sink.idle()
            if stopping { return }
        }
    }

    public func stop() {
        let running = state.withLock { s -> Bool in
            s.stopping = true
            return s.running
        }
        guard running else { return }
        wake.signal()
        finished.wait()
    }

    public func disconnect() { state.withLock { $0.running = false } }
    public var isConnected: Bool { state.withLock { $0.running } }
    public var isSubscribed: Bool { isConnected }
    public var disconnectedSince: Int64? { nil }
    public var sessionTakenOverAt: Int64? { nil }
    public var connects: Int { 1 }
}
