import Foundation
import Synchronization

/// A real mosquitto on a free loopback port with a tuned configuration: persistence in its own
/// folder (so a restart finds the queued messages of persistent sessions again), no queue limits
/// (`max_queued_messages 0`: the default of 1000 silently drops for slow subscribers).
/// Used by `equipwatch bench` and by the integration tests.
public final class LocalBroker: Sendable {
    public let port: Int
    public let directory: String
    private let pid = Mutex<pid_t?>(nil)

    /// - Parameters:
    ///   - persistence: keep queued messages across restarts (tests); off for benchmarks.
    ///   - maxInflight: QoS 1 messages in flight to a client at once.
    ///   - queueQoS0: queue QoS 0 messages for offline persistent sessions (the bench pre-loads them).
    ///   - port: the loopback port (nil: a free one).
    ///   - start: start it now; otherwise its port and folder are chosen and `start()` runs it later.
    public init(persistence: Bool = true, maxInflight: Int = 100, queueQoS0: Bool = false, port: Int? = nil, start: Bool = true) throws {
        self.port = try port ?? freePort()
        directory = NSTemporaryDirectory() + "ew-broker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Started as root, mosquitto would switch to the `mosquitto` user and lose access to this folder.
        let user = geteuid() == 0 ? "user root\n" : ""
        let config = user + """
            listener \(self.port) 127.0.0.1
            allow_anonymous true
            persistence \(persistence)
            persistence_location \(directory)/
            autosave_interval 1
            max_queued_messages 0
            max_queued_bytes 0
            max_inflight_messages \(maxInflight)
            queue_qos0_messages \(queueQoS0)
            log_dest file \(directory)/mosquitto.log
            """
        try config.write(toFile: directory + "/mosquitto.conf", atomically: true, encoding: .utf8)
        if start { try self.start() }
    }

    /// Whether mosquitto runs (started and not stopped).
    public var isRunning: Bool { pid.withLock { $0 != nil } }

    public static var executable: String {
        for p in ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return "mosquitto"
    }

    /// Starts mosquitto and returns once it accepts connections. A broker that exits (a taken
    /// port, a bad config) is reported at once with its log; a slow start under load is given
    /// up to `timeout` seconds.
    public func start(timeout: Double = 30) throws {
        let log = directory + "/mosquitto.log"
        // This start's own lines: the log is appended to across restarts.
        let offset = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
        let child = try spawn(Self.executable, ["-c", directory + "/mosquitto.conf"], stdout: directory + "/mosquitto.out")
        pid.withLock { $0 = child }
        let end = Date().addingTimeInterval(timeout)
        // Something answering on the port is not proof: another program may hold it (two can pick
        // the same free port), and ours then exits with "address in use". mosquitto writes
        // "... running" once its own listeners are open.
        while !(canConnect(port: port) && Self.says(" running", in: log, after: offset)) {
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child {
                pid.withLock { $0 = nil }
                throw BrokerError("mosquitto exited (status \(status)) before listening on \(port): \(logTail())")
            }
            guard Date() < end else {
                let tail = logTail()
                stop()
                throw BrokerError("mosquitto did not listen on \(port) within \(Int(timeout)) s: \(tail)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Whether the file holds `text` after its first `offset` bytes.
    static func says(_ text: String, in path: String, after offset: Int) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            guard let data = try handle.readToEnd() else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        } catch {
            return false
        }
    }

    /// The last lines mosquitto wrote, for error messages.
    func logTail(lines: Int = 5) -> String {
        let texts = [directory + "/mosquitto.log", directory + "/mosquitto.out"].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        let tail = texts.joined(separator: "\n").split(separator: "\n").suffix(lines).joined(separator: " | ")
        return tail.isEmpty ? "(no log in \(directory))" : tail
    }

    /// SIGTERM: mosquitto writes its persistence file and exits.
    public func stop() {
        guard let pid = pid.withLock({ p -> pid_t? in defer { p = nil }; return p }) else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        var status: Int32 = 0
        while Date() < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || r == -1 { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    /// Stops mosquitto (it writes its persistence file) and starts it again on the same port.
    public func restart() throws {
        stop()
        try start()
    }

    deinit {
        stop()
        do { try FileManager.default.removeItem(atPath: directory) } catch { /* a temporary folder; the OS cleans it */ }
    }
}

/// Ports `freePort()` has handed out in this process: it never hands one out twice, so two brokers
/// or servers of one test process never race for the same port (a broker restarting on its port
/// leaves it free for a moment, and the kernel may offer it again).
private let portsHandedOut = Mutex<Set<Int>>([])

/// A TCP port on 127.0.0.1 that nothing listens on now and that this process has not handed out
/// before.
public func freePort() throws -> Int {
    for _ in 0..<100 {
        let port = try unusedPort()
        if portsHandedOut.withLock({ $0.insert(port).inserted }) { return port }
    }
    throw BrokerError("no free port that was not handed out already")
}

/// A TCP port on 127.0.0.1 that nothing listens on now (bound to port 0 and released).
private func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw BrokerError("no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// Starts a program with an empty signal mask and default signal handlers. Test threads may block
/// signals, and a child inherits the mask of the thread that spawns it: a broker started with
/// Foundation's Process from a test ignored SIGTERM and could not be stopped gracefully.
public func spawn(_ path: String, _ arguments: [String], stdout: String? = nil) throws -> pid_t {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attr, &empty)
    var defaults = sigset_t()
    sigfillset(&defaults)
    sigdelset(&defaults, SIGKILL)
    sigdelset(&defaults, SIGSTOP)
    posix_spawnattr_setsigdefault(&attr, &defaults)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdout {
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
    guard rc == 0 else { throw BrokerError("cannot start \(path): \(String(cString: strerror(rc)))") }
    return pid
}

/// Why a local broker could not be started, with the end of its log.
public struct BrokerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
