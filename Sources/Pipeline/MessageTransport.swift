import Domain
import Foundation
import Logging
import Metrics
import MQTT
import Settings

/// Where the ingest engine's messages come from: the MQTT subscriber in production, anything
/// that can call `MessageSink` from one thread of its own elsewhere (an in-process feed in tests,
/// so the worker can be tested without a broker).
///
/// The contract is the subscriber's: `message` and `idle` are called from one thread only, and a
/// `message` call that blocks (the engine's queue is full) is how the transport learns to stop
/// reading. `stop` returns when that thread has left; `disconnect` afterwards ends the session.
public protocol MessageTransport: AnyObject, Sendable {
    /// Starts delivering to the sink given when the transport was made; returns at once.
    func start()
    /// Stops delivering; returns when the delivering thread has stopped.
    func stop()
    /// Ends the session (after `stop` and the final commit).
    func disconnect()
    /// Connected to its source.
    var isConnected: Bool { get }
    /// Connected and subscribed: messages published from now on arrive.
    var isSubscribed: Bool { get }
    /// Since when the source is unreachable (epoch ms); nil while connected.
    var disconnectedSince: Int64? { get }
    /// When the session last looked taken over by another client with the same identity.
    var sessionTakenOverAt: Int64? { get }
    /// Connections made since start.
    var connects: Int { get }
}

/// What a transport calls: each message's topic and payload bytes (valid during the call only),
/// and `idle` after each pass that may have left a part-filled batch waiting.
public struct MessageSink: Sendable {
    public let message: @Sendable (_ topic: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> Void
    public let idle: @Sendable () -> Void

    public init(message: @escaping @Sendable (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void,
                idle: @escaping @Sendable () -> Void) {
        (self.message, self.idle) = (message, idle)
    }
}

/// Makes the engine's transport, given the sink and the topics to subscribe to.
public typealias TransportMaker = @Sendable (_ sink: MessageSink, _ subscriptions: [String]) throws -> any MessageTransport

extension SubscriberLoop: MessageTransport {
    public var connects: Int { connectionCount.value }

    /// The production transport: a persistent MQTT session (clean session off) as `broker` in
    /// `settings` says, at the configured QoS, reconnecting with backoff.
    public static func maker(settings s: Settings, logger: Logger) -> TransportMaker {
        { sink, subscriptions in
            var loop = SubscriberLoop.Config(options: MQTTOptions(settings: s), subscriptions: subscriptions, qos: Int32(s.broker.qos))
            loop.reconnectMin = s.broker.reconnectMin.seconds
            loop.reconnectMax = s.broker.reconnectMax.seconds
            let subscriber = try SubscriberLoop(config: loop, logger: logger, message: sink.message, idle: sink.idle)
            let takeovers = Metrics.Counter(label: "equipwatch_mqtt_session_takeovers_total")
            subscriber.onTakeover = { takeovers.increment() }
            return subscriber
        }
    }
}

extension MQTTOptions {
    /// The ingest session's options from `broker` settings: its client id, persistent session,
    /// credentials and TLS.
    init(settings s: Settings) {
        self.init(host: s.broker.endpoint.host, port: s.broker.endpoint.port, clientId: s.broker.clientId, cleanSession: false)
        keepaliveSeconds = Int(s.broker.keepalive.seconds)
        username = s.broker.username
        password = s.broker.password
        if let tls = s.broker.tls {
            self.tls = .init(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, insecure: tls.insecure)
        }
    }
}
