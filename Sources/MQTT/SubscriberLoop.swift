import CMosquitto
import Foundation
import Logging
import Synchronization

/// Drives a subscribing connection on a dedicated thread: connects, subscribes on every
/// (re)connect, reconnects with exponential backoff after a broker restart or network loss, and
/// calls `idle` after every loop pass so the owner can flush time-bounded batches.
///
/// Message handlers run on this thread. A handler that blocks (because the pipeline's queue is
/// full) stops the loop from reading the socket: that is the backpressure SPEC §8 asks for; the
/// broker holds the rest.
public final class SubscriberLoop: @unchecked Sendable {
    /// The session, its subscriptions and QoS, and the reconnect backoff.
    public struct Config: Sendable {
        public var options: MQTTOptions
        public var subscriptions: [String]
        public var qos: Int32
        public var reconnectMin: Double = 0.1
        public var reconnectMax: Double = 10
        /// Longest wait in the socket poll; bounds how late `idle` runs.
        var pollMs: Int32 = 5
        public init(options: MQTTOptions, subscriptions: [String], qos: Int32) {
            (self.options, self.subscriptions, self.qos) = (options, subscriptions, qos)
        }
    }

    private let config: Config
    private let logger: Logger
    private let stopFlag = Flag()
    private let connectedFlag = Flag()
    private let subscribedFlag = Flag()
    /// Wall-clock ms since the connection is down (from the start until the first connection).
    private let downSince = Mutex<Int64?>(Int64(Date().timeIntervalSince1970 * 1000))
    /// SUBSCRIBE message ids of the current connection not yet answered by a SUBACK.
    private let awaitingSubacks = Mutex<Set<Int32>>([])
    private let finished = DispatchSemaphore(value: 0)
    private var connection: MQTTConnection!
    private let idle: @Sendable () -> Void

    /// Counts of what happened, for logs and tests.
    public let connectionCount = Counter()
    /// When the current connection was made (nil while down).
    private let connectedAt = Mutex<Int64?>(nil)
    private let takeovers = Mutex(TakeoverWatch())
    /// When the pattern of a taken-over session was last seen (nil: never).
    private let takenOverAt = Mutex<Int64?>(nil)
    /// Called when the session looks taken over by another client with the same id.
    public var onTakeover: (@Sendable () -> Void)?

    /// When the session last looked taken over by another client with this client id.
    public var sessionTakenOverAt: Int64? { takenOverAt.withLock { $0 } }

    public init(config: Config, logger: Logger, message: @escaping @Sendable (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void,
                idle: @escaping @Sendable () -> Void = {}) throws(MQTTError) {
        (self.config, self.logger, self.idle) = (config, logger, idle)
        var handlers = MQTTHandlers()
        handlers.message = message
        let subscriptions = config.subscriptions
        let qos = config.qos
        let connectedFlag = connectedFlag
        let subscribedFlag = subscribedFlag
        let connects = connectionCount
        handlers.connected = { [weak self] rc in
            guard let self else { return }
            guard rc == 0 else {
                logger.error("broker refused the connection", metadata: ["code": "\(rc)", "reason": "\(String(cString: mosquitto_connack_string(rc)))"])
                return
            }
            subscribedFlag.set(false)
            var mids: Set<Int32> = []
            for s in subscriptions {
                do { mids.insert(try self.connection.subscribe(s, qos: qos)) } catch { logger.error("\(error)") }
            }
            self.awaitingSubacks.withLock { $0 = mids }
            connectedFlag.set(true)
            self.downSince.withLock { $0 = nil }
            self.connectedAt.withLock { $0 = Int64(Date().timeIntervalSince1970 * 1000) }
            connects.increment()
            logger.info("connected to the broker", metadata: ["subscriptions": "\(subscriptions)", "qos": "\(qos)"])
        }
        handlers.subscribed = { [weak self] mid, granted in
            guard let self else { return }
            if granted.contains(where: { $0 > 2 }) {
                logger.error("the broker refused a subscription (ACL?)", metadata: ["granted": "\(granted)"])
            }
            let done = self.awaitingSubacks.withLock { set -> Bool in
                set.remove(mid)
                return set.isEmpty
            }
            if done { subscribedFlag.set(true) }
        }
        handlers.disconnected = { [weak self] rc in
            connectedFlag.set(false)
            subscribedFlag.set(false)
            self?.markDown()
            if rc != 0 { logger.warning("lost the broker connection", metadata: ["code": "\(rc)"]) }
        }
        connection = try MQTTConnection(options: config.options, handlers: handlers)
    }

    public var isConnected: Bool { connectedFlag.value }

    /// Since when the broker is unreachable (epoch ms); nil while connected.
    public var disconnectedSince: Int64? { downSince.withLock { $0 } }

    private func markDown() {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        downSince.withLock { if $0 == nil { $0 = now } }
        // Each connection's loss once: the callback and the loop may both see it.
        guard let since = connectedAt.withLock({ c -> Int64? in defer { c = nil }; return c }) else { return }
        guard takeovers.withLock({ $0.lost(connectedAt: since, at: now) }) else { return }
        takenOverAt.withLock { $0 = now }
        logger.error("""
            the broker keeps closing this connection right after it is made: most likely another client is connecting with \
            the same client id (an intruder, or a second instance configured alike) and takes the session, and with it \
            messages meant for this pipeline; give each instance its own client id and bind client ids to users at the \
            broker (docs/operations.md, "The broker")
            """, metadata: ["client_id": "\(config.options.clientId)"])
        onTakeover?()
    }
    /// Connected, and the broker has answered every subscription of this connection (SUBACK):
    /// from here on, messages published to the subscribed topics reach this client.
    public var isSubscribed: Bool { subscribedFlag.value }

    /// Starts the network thread; returns at once.
    public func start() {
        let t = Thread { [self] in run() }
        t.name = "mqtt-subscriber"
        t.start()
    }

    /// Asks the loop to stop reading; returns when the thread has left the loop. The connection
    /// stays open so the caller can drain what it already received before `disconnect()`.
    public func stop() {
        stopFlag.set(true)
        finished.wait()
    }

    /// Ends the session cleanly (after `stop` and the final commit): the broker keeps the rest for
    /// it.
    public func disconnect() {
        connection.disconnect()
        // One more pass so the DISCONNECT packet is written before the socket closes.
        _ = connection.loop(timeoutMs: 10)
    }

    private func run() {
        defer { finished.signal() }
        var delay = config.reconnectMin
        var needsConnect = true
        var firstAttempt = true
        while !stopFlag.value {
            if needsConnect {
                do {
                    if firstAttempt { try connection.connect() } else { try connection.reconnect() }
                    needsConnect = false
                    firstAttempt = false
                    delay = config.reconnectMin
                } catch {
                    firstAttempt = false
                    logger.warning("cannot reach the broker, retrying", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
                    sleep(seconds: delay)
                    delay = min(delay * 2, config.reconnectMax)
                    continue
                }
            }
            let rc = connection.loop(timeoutMs: config.pollMs)
            idle()
            if rc != MQTTConnection.successCode {
                connectedFlag.set(false)
                subscribedFlag.set(false)
                markDown()
                logger.warning("broker connection lost, reconnecting", metadata: ["error": "\(MQTTError(rc, "loop"))", "retry_in_s": "\(delay)"])
                sleep(seconds: delay)
                delay = min(delay * 2, config.reconnectMax)
                needsConnect = true
            }
        }
    }

    /// Sleeps in short steps so a stop request is honoured promptly, still calling `idle`.
    private func sleep(seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !stopFlag.value, Date() < end {
            Thread.sleep(forTimeInterval: 0.02)
            idle()
        }
    }
}

/// Connections the broker took away soon after they were made, within a sliding window. Under
/// MQTT 3.1.1 a broker gives no reason when it closes a connection, but another client connecting
/// with the same client id makes exactly this pattern: each connects and takes the session from
/// the other, over and over (and the session's messages go to whichever holds it).
struct TakeoverWatch {
    /// A connection that lasted less than this counts.
    var shortMs: Int64 = 10_000
    var windowMs: Int64 = 60_000
    /// This many short connections within the window are the pattern.
    var threshold = 3
    private var losses: [Int64] = []

    /// A connection made at `connectedAt` was lost at `lostAt`; true when this loss completes the
    /// pattern (then it starts counting afresh, so a takeover going on is reported each window).
    mutating func lost(connectedAt: Int64, at lostAt: Int64) -> Bool {
        guard lostAt - connectedAt < shortMs else { return false }
        losses.append(lostAt)
        losses.removeAll { lostAt - $0 > windowMs }
        guard losses.count >= threshold else { return false }
        losses.removeAll()
        return true
    }
}

/// A boolean shared between threads.
public final class Flag: Sendable {
    private let v = Mutex(false)
    public init() {}
    public var value: Bool { v.withLock { $0 } }
    /// Sets the flag.
    public func set(_ value: Bool) { v.withLock { $0 = value } }
}

/// A counter shared between threads.
public final class Counter: Sendable {
    private let v = Mutex(0)
    public init() {}
    public var value: Int { v.withLock { $0 } }
    /// Adds `n`.
    public func increment(by n: Int = 1) { v.withLock { $0 += n } }
}
