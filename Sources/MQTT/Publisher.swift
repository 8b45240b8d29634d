import CMosquitto
import Foundation

/// A publishing client with flow control: at most `window` QoS 1 messages are unacknowledged at
/// once, so a fast producer waits for the broker instead of growing libmosquitto's queue without
/// bound. Counts broker acknowledgements, which is what a load test must compare against.
public final class Publisher: @unchecked Sendable {
    public let connection: MQTTConnection
    private let condition = NSCondition()
    private var outstanding = 0
    private var acked = 0
    private var connected = false
    private let window: Int
    private var onAck: (@Sendable (Int32) -> Void)?

    public init(options: MQTTOptions, window: Int = 1000, onAck: (@Sendable (Int32) -> Void)? = nil) throws(MQTTError) {
        (self.window, self.onAck) = (window, onAck)
        var handlers = MQTTHandlers()
        let box = WeakBox<Publisher>()
        handlers.published = { mid in box.value?.acknowledged(mid) }
        handlers.connected = { rc in box.value?.setConnected(rc == 0) }
        handlers.disconnected = { _ in box.value?.setConnected(false) }
        var o = options
        o.maxInflight = window
        connection = try MQTTConnection(options: o, handlers: handlers)
        box.value = self
    }

    /// Connects and starts libmosquitto's network thread; waits up to `timeout` for CONNACK.
    public func start(timeout: Double = 10) throws(MQTTError) {
        try connection.connect()
        try connection.startBackgroundLoop()
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !connected {
            guard condition.wait(until: deadline) else { throw MQTTError(4, "waiting for CONNACK") }
        }
    }

    /// Publishes, waiting while `window` messages are unacknowledged. Returns the message id.
    /// Throws (`MOSQ_ERR_NO_CONN`) instead of waiting when the connection is down: libmosquitto
    /// keeps reconnecting, and the caller decides what a message it could not send means.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        if qos > 0 {
            condition.lock()
            while outstanding >= window {
                guard connected else {
                    condition.unlock()
                    throw MQTTError(MOSQ_ERR_NO_CONN.rawValue, "publish: waiting for acknowledgements while disconnected")
                }
                _ = condition.wait(until: Date().addingTimeInterval(0.1))
            }
            outstanding += 1
            condition.unlock()
        }
        do { return try connection.publish(topic: topic, payload: payload, qos: qos, retain: retain) } catch {
            // libmosquitto may still hold a QoS 1 message it could not send now, and send it after
            // the reconnect; its acknowledgement then lowers the count (never below zero).
            if qos > 0 { condition.lock(); outstanding = max(0, outstanding - 1); condition.unlock() }
            throw error
        }
    }

    /// Waits until every QoS 1 message has been acknowledged, or `deadline` passes.
    @discardableResult
    public func flush(until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while outstanding > 0 {
            guard condition.wait(until: deadline) else { return false }
        }
        return true
    }

    /// Waits until every QoS 1 message has been acknowledged, or the timeout passes.
    @discardableResult
    public func flush(timeout: Double) -> Bool {
        flush(until: Date().addingTimeInterval(timeout))
    }

    public var acknowledged: Int { condition.lock(); defer { condition.unlock() }; return acked }
    public var isConnected: Bool { condition.lock(); defer { condition.unlock() }; return connected }

    /// Stops the loop thread and disconnects.
    public func stop() {
        connection.disconnect()
        connection.stopBackgroundLoop()
    }

    private func acknowledged(_ mid: Int32) {
        condition.lock()
        outstanding = max(0, outstanding - 1)
        acked += 1
        condition.broadcast()
        condition.unlock()
        onAck?(mid)
    }

    private func setConnected(_ value: Bool) {
        condition.lock()
        connected = value
        // After a reconnect libmosquitto resends what was in flight; acks will come back for those.
        condition.broadcast()
        condition.unlock()
    }
}

final class WeakBox<T: AnyObject>: @unchecked Sendable {
    weak var value: T?
}
