import Domain
import Foundation
import Settings

/// What keeps two EquipWatch instances from tripping over each other (SPEC §6): one `run` per data
/// folder (a lock file), an MQTT client id of its own per data folder, and a free HTTP address.
public enum InstanceGuard {
    /// The default MQTT client id for a data folder: stable for the folder (the broker keeps its
    /// persistent session across restarts), different for another folder (two instances on one
    /// broker never evict each other). `broker.client_id` in the settings file overrides it.
    ///
    /// The pipeline's id is the one the folder remembers (`equipwatch.client-id`, written by the
    /// first `run`), so reaching the folder through a symlink, another mount or after a move keeps
    /// its session; before that, one derived from the folder's real path (symlinks resolved).
    public static func clientId(dataDirectory: String, prefix: String = "equipwatch") -> String {
        if prefix == "equipwatch", let saved = rememberedClientId(dataDirectory: dataDirectory) { return saved }
        let path = URL(fileURLWithPath: dataDirectory).resolvingSymlinksInPath().standardizedFileURL.path
        return "\(prefix)-\(SHA256.hex(path.utf8).prefix(8))"
    }

    static func clientIdFile(_ dataDirectory: String) -> String { (dataDirectory as NSString).appendingPathComponent("equipwatch.client-id") }

    static func rememberedClientId(dataDirectory: String) -> String? {
        guard let text = try? String(contentsOfFile: clientIdFile(dataDirectory), encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Makes the folder remember `clientId` as its pipeline's (once; `run` calls it at start when
    /// no `broker.client_id` is configured).
    public static func remember(clientId: String, dataDirectory: String) {
        guard rememberedClientId(dataDirectory: dataDirectory) == nil else { return }
        try? (clientId + "\n").write(toFile: clientIdFile(dataDirectory), atomically: true, encoding: .utf8)
    }

    /// Holds `equipwatch.lock` in the data folder for the life of the process; a second `run`
    /// on the same folder gets an error naming the holder's pid instead of interleaving writes.
    public final class Lock {
        private let fd: Int32
        let path: String

        public init(dataDirectory: String) throws {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            path = (dataDirectory as NSString).appendingPathComponent("equipwatch.lock")
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw Refused("cannot open \(path): \(String(cString: strerror(errno)))") }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                close(fd)
                throw Refused("""
                    another equipwatch run is using the data folder \(dataDirectory)\(holder.map { $0.isEmpty ? "" : " (pid \($0))" } ?? ""); \
                    stop it first, or give this one its own folder with --data
                    """)
            }
            _ = ftruncate(fd, 0)
            let pid = "\(getpid())\n"
            _ = pid.withCString { write(fd, $0, strlen($0)) }
        }

        deinit {
            _ = flock(fd, LOCK_UN)
            close(fd)
        }
    }

    /// Fails with a clear message when something already listens on `address` (another
    /// EquipWatch, or any server), before the pipeline starts.
    static func requireFree(http address: HostPort) throws {
        guard var addr = ipv4(address) else { return }   // a name or IPv6: the server reports it
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if !bound, errno == EADDRINUSE {
            throw Refused("the HTTP address \(address) is in use (another equipwatch run, or another server); stop it or choose --http HOST:PORT")
        }
    }

    /// Whether the broker accepts TCP connections now (the pipeline keeps retrying either way).
    static func reachable(_ address: HostPort) -> Bool {
        guard var addr = ipv4(address) else { return true }   // a name: let the client resolve it
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The IPv4 socket address of `address` (`localhost` as 127.0.0.1), or nil for anything else.
    private static func ipv4(_ address: HostPort) -> sockaddr_in? {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(clamping: address.port).bigEndian)
        let host = address.host == "localhost" ? "127.0.0.1" : address.host
        return inet_pton(AF_INET, host, &addr.sin_addr) == 1 ? addr : nil
    }
}
