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
        (self.host, self.port, self.clientId, self.cleanSession) = (host, port, clientId, cleanSession)
    }

    /// TLS for the broker connection: the CA, the client's certificate and key, and whether to skip
    /// verification (tests only).
    public struct TLSOptions: Sendable {
        public var caFile: String
        public var certFile: String?
        public var keyFile: String?
        public var insecure: Bool
        public init(caFile: String, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
            (self.caFile, self.certFile, self.keyFile, self.insecure) = (caFile, certFile, keyFile, insecure)
        }
    }

    /// The last-will message the broker publishes when this client vanishes.
    public struct Will: Sendable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: Int32
        public var retain: Bool
        public init(topic: String, payload: [UInt8], qos: Int32, retain: Bool) {
            (self.topic, self.payload, self.qos, self.retain) = (topic, payload, qos, retain)
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
    let systemError: Int32?
    public init(_ code: Int32, _ operation: String) {
        (self.code, self.operation) = (code, operation)
        systemError = code == MOSQ_ERR_ERRNO.rawValue ? errno : nil
    }
    /// MOSQ_ERR_ERRNO: the system error is in `errno`.
    static var errnoCode: Int32 { MOSQ_ERR_ERRNO.rawValue }
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
    var disconnected: @Sendable (_ code: Int32) -> Void = { _ in }
    /// A QoS 1 publish was acknowledged by the broker (PUBACK), or a QoS 0 one was sent.
    public var published: @Sendable (_ mid: Int32) -> Void = { _ in }
    /// The broker answered a subscription (SUBACK) with these granted QoS levels (128: refused).
    public var subscribed: @Sendable (_ mid: Int32, _ granted: [Int32]) -> Void = { _, _ in }
    public init() {}
}

/// One libmosquitto client. The network loop must be driven from one thread (`SubscriberLoop`)
/// or by a thread of its own (`startBackgroundLoop`); `publish` is safe from any thread.
public final class MQTTConnection: @unchecked Sendable {
    public let options: MQTTOptions
    private let handle: OpaquePointer
    private let handlers: MQTTHandlers
    /// poll(2) entries: the socket and the wake-up pipe; allocated once, used by the loop's thread.
    private let pollSet = UnsafeMutablePointer<pollfd>.allocate(capacity: 2)
    /// Packets read after one poll(2) at most, so keepalive and writes still get their turn.
    static let readBurst = 64
    private var wakeRead: Int32 = -1
    private var wakeWrite: Int32 = -1
    private var background: DispatchSemaphore?
    private let backgroundStop = Flag()
    private let backgroundDisconnecting = Flag()

    private static let libraryInit: Void = { mosquitto_lib_init() }()

    public init(options: MQTTOptions, handlers: MQTTHandlers) throws(MQTTError) {
        _ = Self.libraryInit
        (self.options, self.handlers) = (options, handlers)
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
        stopBackgroundLoop()
        mosquitto_destroy(handle)
        pollSet.deallocate()
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    private func check(_ rc: Int32, _ operation: String) throws(MQTTError) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError(rc, operation) }
    }

    /// Connects (blocking until the TCP connection is up; CONNACK arrives through the loop).
    public func connect() throws(MQTTError) {
        try check(mosquitto_connect(handle, options.host, Int32(options.port), Int32(options.keepaliveSeconds)),
                  "connect to \(options.host):\(options.port)")
    }

    /// Reconnects with the same options (after a broker restart or a network loss).
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
        wakeLoop()
        return mid
    }

    /// Queues a message for the network loop; returns its message id (its PUBACK names it at QoS
    /// 1).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        let result: Result<Int32, MQTTError> = payload.withUnsafeBytes { buf in
            do throws(MQTTError) { return .success(try publish(topic: topic, payload: buf, qos: qos, retain: retain)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Runs one iteration of the network loop (read, write, keepalive), waiting at most
    /// `timeoutMs`. Driven with poll(2): libmosquitto's own `mosquitto_loop` uses select(2) and
    /// refuses (MOSQ_ERR_INVAL) a socket numbered 1024 or above, so a process with many open files
    /// — hundreds of HTTP clients on the API, a simulator's thousand gateways — could no longer
    /// read after a reconnect, and libmosquitto's own thread stopped for good.
    public func loop(timeoutMs: Int32) -> Int32 {
        let sock = mosquitto_socket(handle)
        guard sock >= 0 else { return MOSQ_ERR_NO_CONN.rawValue }
        pollSet[0] = pollfd(fd: sock, events: Int16(POLLIN) | (mosquitto_want_write(handle) ? Int16(POLLOUT) : 0), revents: 0)
        pollSet[1] = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        let ready = poll(pollSet, wakeRead >= 0 ? 2 : 1, timeoutMs)
        if ready < 0 { return errno == EINTR ? MOSQ_ERR_SUCCESS.rawValue : MQTTError.errnoCode }
        let events = pollSet[0].revents
        var write = events & Int16(POLLOUT) != 0
        if wakeRead >= 0, pollSet[1].revents & Int16(POLLIN) != 0 {
            // Another thread queued a packet (publish, disconnect): write it now.
            var drain: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            while withUnsafeMutableBytes(of: &drain, { read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
            write = true
        }
        if events & Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL) != 0 {
            // libmosquitto reads one packet a call (more only for QoS > 0 backlogs): read on until
            // the socket has nothing more (EAGAIN), up to `readBurst` packets, instead of one
            // poll(2) per packet.
            for _ in 0..<Self.readBurst {
                errno = 0
                let rc = mosquitto_loop_read(handle, 1)
                if rc != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) < 0 { return rc }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
            }
        }
        if write {
            let rc = mosquitto_loop_write(handle, 1)
            if rc != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) < 0 { return rc }
        }
        return mosquitto_loop_misc(handle)
    }

    /// Sends DISCONNECT: the broker keeps a persistent session's subscriptions and queue.
    public func disconnect() {
        backgroundDisconnecting.set(true)
        mosquitto_disconnect(handle)
        wakeLoop()
    }

    /// Drives the network loop on a thread of its own (publishers), reconnecting after 1–5 s.
    /// Publishing threads queue packets and wake the loop through a pipe; the loop writes them.
    /// (libmosquitto's `mosquitto_loop_start` uses select(2), see `loop(timeoutMs:)`.)
    public func startBackgroundLoop() throws(MQTTError) {
        guard background == nil else { return }
        if wakeWrite < 0 {
            // Made once and kept until the connection is gone: a publisher racing a stop never
            // writes to a descriptor number that has meanwhile been reused.
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw MQTTError(MQTTError.errnoCode, "create the wake-up pipe") }
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            (wakeRead, wakeWrite) = (fds[0], fds[1])
        }
        // Packets queued by other threads are written by the loop, never by the publishing thread.
        try check(mosquitto_threaded_set(handle, true), "set threaded")
        backgroundStop.set(false)
        backgroundDisconnecting.set(false)
        let done = DispatchSemaphore(value: 0)
        background = done
        let t = Thread { [self] in
            runBackground()
            done.signal()
        }
        t.name = "mqtt-\(options.clientId.prefix(20))"
        t.start()
    }

    /// Stops the background loop after it has written what is queued (a DISCONNECT included).
    public func stopBackgroundLoop() {
        guard let done = background else { return }
        backgroundStop.set(true)
        wakeLoop()
        done.wait()
        background = nil
    }

    private func runBackground() {
        var delay = 1.0
        while !backgroundStop.value {
            let rc = loop(timeoutMs: 1000)
            if rc == MOSQ_ERR_SUCCESS.rawValue { delay = 1; continue }
            if backgroundDisconnecting.value { break }
            let until = Date().addingTimeInterval(delay)
            while !backgroundStop.value, Date() < until { Thread.sleep(forTimeInterval: 0.05) }
            if backgroundStop.value { break }
            delay = min(delay * 2, 5)
            _ = mosquitto_reconnect(handle)
        }
        // Flush what is queued (a DISCONNECT after `disconnect()`), without waiting for the network.
        if mosquitto_socket(handle) >= 0, mosquitto_want_write(handle) { _ = mosquitto_loop_write(handle, 1) }
    }

    private func wakeLoop() {
        guard wakeWrite >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)   // a full pipe already wakes the loop
    }

    static var successCode: Int32 { MOSQ_ERR_SUCCESS.rawValue }
}
