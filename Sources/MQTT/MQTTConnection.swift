import CMosquitto
import Foundation

/// How to reach and authenticate with the broker.
public struct MQTTOptions: Sendable {
    public var host: String
    public var port: Int
    public var clientId: String
    /// `false` keeps the session at the broker: subscriptions survive, and QoS 1 messages are
    /// queued while this client is away (SPEC §3).
    public var cleanSession: Bool
    public var keepaliveSeconds: Int = 30
    public var username: String?
    public var password: String?
    public var tls: TLSOptions?
    public var will: Will?
    /// Outgoing QoS 1 messages in flight before libmosquitto queues further ones.
    public var maxInflight: Int = 1000

    public init(host: String, port: Int, clientId: String, cleanSession: Bool) {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.cleanSession = cleanSession
    }

    public struct TLSOptions: Sendable {
        public var caFile: String
        public var certFile: String?
        public var keyFile: String?
        public var insecure: Bool
        public init(caFile: String, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecure = insecure
        }
    }

    /// The last-will message the broker publishes when this client vanishes.
    public struct Will: Sendable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: Int32
        public var retain: Bool
        public init(topic: String, payload: [UInt8], qos: Int32, retain: Bool) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }
}

/// A libmosquitto error code with the library's own description.
///
/// For `MOSQ_ERR_ERRNO` the system error is read when the error is made, right after the failing
/// call, not when it is printed (by then `errno` belongs to whatever ran since).
public struct MQTTError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String
    /// `errno` at the failure, for `MOSQ_ERR_ERRNO`.
    public let systemError: Int32?
    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
        systemError = code == MOSQ_ERR_ERRNO.rawValue ? errno : nil
    }
    public var description: String {
        let text = systemError.map { String(cString: strerror($0)) } ?? String(cString: mosquitto_strerror(code))
        return "\(operation): \(text) (libmosquitto \(code))"
    }
}

/// Handlers invoked on the thread that drives the connection's network loop.
public struct MQTTHandlers: Sendable {
    /// Topic and payload bytes are valid only during the call; copy what you keep.
    public var message: @Sendable (_ topic: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> Void = { _, _ in }
    /// Broker's CONNACK code (0 = accepted).
    public var connected: @Sendable (_ code: Int32) -> Void = { _ in }
    public var disconnected: @Sendable (_ code: Int32) -> Void = { _ in }
    /// A QoS 1 publish was acknowledged by the broker (PUBACK), or a QoS 0 one was sent.
    public var published: @Sendable (_ mid: Int32) -> Void = { _ in }
    /// The broker answered a subscription (SUBACK) with these granted QoS levels (128: refused).
    public var subscribed: @Sendable (_ mid: Int32, _ granted: [Int32]) -> Void = { _, _ in }
    public init() {}
}

/// One libmosquitto client. The network loop must be driven from one thread (`SubscriberLoop`)
/// or by libmosquitto's own thread (`startBackgroundLoop`); `publish` is safe from any thread.
public final class MQTTConnection: @unchecked Sendable {
    public let options: MQTTOptions
    private let handle: OpaquePointer
    private let handlers: MQTTHandlers

    private static let libraryInit: Void = { mosquitto_lib_init() }()

    public init(options: MQTTOptions, handlers: MQTTHandlers) throws(MQTTError) {
        _ = Self.libraryInit
        self.options = options
        self.handlers = handlers
        guard let h = mosquitto_new(options.clientId, options.cleanSession, nil) else {
            throw MQTTError(MOSQ_ERR_NOMEM.rawValue, "mosquitto_new")
        }
        handle = h
        mosquitto_user_data_set(h, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_message_callback_set(h) { _, obj, msg in
            guard let obj, let msg else { return }
            let me = Unmanaged<MQTTConnection>.fromOpaque(obj).takeUnretainedValue()
            let m = msg.pointee
            let topicLength = strlen(m.topic)
            me.handlers.message(UnsafeRawBufferPointer(start: m.topic, count: topicLength),
                                UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen)))
        }
        mosquitto_connect_callback_set(h) { _, obj, rc in
            guard let obj else { return }
            Unmanaged<MQTTConnection>.fromOpaque(obj).takeUnretainedValue().handlers.connected(rc)
        }
        mosquitto_disconnect_callback_set(h) { _, obj, rc in
            guard let obj else { return }
            Unmanaged<MQTTConnection>.fromOpaque(obj).takeUnretainedValue().handlers.disconnected(rc)
        }
        mosquitto_publish_callback_set(h) { _, obj, mid in
            guard let obj else { return }
            Unmanaged<MQTTConnection>.fromOpaque(obj).takeUnretainedValue().handlers.published(mid)
        }
        mosquitto_subscribe_callback_set(h) { _, obj, mid, count, granted in
            guard let obj else { return }
            let levels = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            Unmanaged<MQTTConnection>.fromOpaque(obj).takeUnretainedValue().handlers.subscribed(mid, levels)
        }
        try check(mosquitto_int_option(h, MOSQ_OPT_SEND_MAXIMUM, Int32(options.maxInflight)), "set send maximum")
        if let user = options.username {
            try check(mosquitto_username_pw_set(h, user, options.password), "set username")
        }
        if let tls = options.tls {
            try check(mosquitto_tls_set(h, tls.caFile, nil, tls.certFile, tls.keyFile, nil), "set TLS files")
            if tls.insecure { try check(mosquitto_tls_insecure_set(h, true), "set TLS insecure") }
        }
        if let will = options.will {
            try check(will.payload.withUnsafeBytes { mosquitto_will_set(h, will.topic, Int32($0.count), $0.baseAddress, will.qos, will.retain) },
                      "set last will")
        }
    }

    deinit {
        mosquitto_destroy(handle)
    }

    private func check(_ rc: Int32, _ operation: String) throws(MQTTError) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError(rc, operation) }
    }

    /// Connects (blocking until the TCP connection is up; CONNACK arrives through the loop).
    public func connect() throws(MQTTError) {
        try check(mosquitto_connect(handle, options.host, Int32(options.port), Int32(options.keepaliveSeconds)),
                  "connect to \(options.host):\(options.port)")
    }

    public func reconnect() throws(MQTTError) {
        try check(mosquitto_reconnect(handle), "reconnect to \(options.host):\(options.port)")
    }

    /// Sends SUBSCRIBE; returns its message id (matching the `subscribed` handler).
    @discardableResult
    public func subscribe(_ pattern: String, qos: Int32) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        try check(mosquitto_subscribe(handle, &mid, pattern, qos), "subscribe to \(pattern)")
        return mid
    }

    /// Queues a message; returns its message id (matching the `published` handler).
    @discardableResult
    public func publish(topic: String, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        try check(mosquitto_publish(handle, &mid, topic, Int32(payload.count), payload.baseAddress, qos, retain), "publish to \(topic)")
        return mid
    }

    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        let result: Result<Int32, MQTTError> = payload.withUnsafeBytes { buf in
            do throws(MQTTError) { return .success(try publish(topic: topic, payload: buf, qos: qos, retain: retain)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Runs one iteration of the network loop (read, write, keepalive), waiting at most `timeoutMs`.
    public func loop(timeoutMs: Int32) -> Int32 {
        mosquitto_loop(handle, timeoutMs, 1)
    }

    public func disconnect() {
        mosquitto_disconnect(handle)
    }

    /// Lets libmosquitto drive the loop on its own thread (publishers), reconnecting by itself.
    public func startBackgroundLoop() throws(MQTTError) {
        mosquitto_reconnect_delay_set(handle, 1, 5, true)
        try check(mosquitto_loop_start(handle), "start network thread")
    }

    public func stopBackgroundLoop() {
        mosquitto_loop_stop(handle, false)
    }

    public static var successCode: Int32 { MOSQ_ERR_SUCCESS.rawValue }
}
