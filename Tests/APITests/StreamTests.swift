import Domain
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Storage
import Testing
import TestSupport

/// Reads a Server-Sent Events stream from a live server over a plain socket, line by line.
final class SSEReader: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, path: String, token: String, lastEventId: Int64? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else { throw TestFailure("cannot connect to \(port)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n"
        if let lastEventId { request += "Last-Event-ID: \(lastEventId)\r\n" }
        request += "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    deinit { close(fd) }

    /// The next line (without CR LF); nil on timeout or close.
    func line() -> String? {
        while true {
            if let i = buffer.firstIndex(of: 10) {
                var l = Array(buffer[..<i])
                buffer.removeSubrange(...i)
                if l.last == 13 { l.removeLast() }
                return String(decoding: l, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }

    /// `line()` and `event()` block on the socket: from an async test, read through these, which
    /// block a thread of their own instead of one of the cooperative pool's (two on a 2-core
    /// machine), which the server under test needs to send what is being waited for.
    func nextLine() async -> String? { await Self.offPool { self.line() } }
    func nextEvent() async -> (id: Int64, kind: String, data: String)? { await Self.offPool { self.event() } }
    /// Reads up to the stream's `: connected` comment; false if the stream ended first.
    func connected() async -> Bool {
        await Self.offPool {
            while let l = self.line() { if l == ": connected" { return true } }
            return false
        }
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in Thread { c.resume(returning: body()) }.start() }
    }

    /// The next event (id, kind, data), skipping headers, comments and chunk-size lines.
    func event() -> (id: Int64, kind: String, data: String)? {
        var id: Int64?, kind: String?
        while let l = line() {
            if l.hasPrefix("id: ") { id = Int64(l.dropFirst(4)) }
            else if l.hasPrefix("event: ") { kind = String(l.dropFirst(7)) }
            else if l.hasPrefix("data: "), let id, let kind { return (id, kind, String(l.dropFirst(6))) }
        }
        return nil
    }
}

@Suite("HTTP API: the live stream (real server, real SQLite)")
struct StreamTests {
    static func raise(_ f: APIFixture, device: DeviceRecord, id: Int64) throws {
        let num = try f.env.store.read { db in try Int64.fetchOne(db, sql: "SELECT num FROM devices WHERE id = ?", arguments: [device.id])! }
        let alarm = Alarm(id: id, deviceNum: num, device: device.id, type: device.type, site: device.site, firm: device.firm, rule: "s.\(id)",
                          family: "s.\(id)", pack: "p", severity: .major, state: .firing, startedAt: f.t0 + id, firedAt: f.t0 + id,
                          resolvedAt: nil, repeats: 0, lastAt: f.t0 + id, message: "m", inputs: "{}", incidentId: nil)
        var batch = CommitBatch()
        batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: false),
                                   payload: #"{"id":\#(id),"device":"\#(device.id)","transition":"raised"}"#)]
        try f.env.store.commit(batch)
    }

    @Test("a firm's stream carries its own alarm changes only, with ids; a reconnect with Last-Event-ID gets what it missed")
    func scopedStreamAndResume() async throws {
        let f = try APIFixture()
        try await f.run { api in
            let port = try #require(api.client.port)
            let token = try #require(f.tokens["haihe"])
            let reader = try SSEReader(port: port, path: "/v1/stream", token: token)
            #expect(await reader.nextLine()?.hasPrefix("HTTP/1.1 200") == true)
            #expect(await reader.connected())
            try Self.raise(f, device: f.jinnan[0], id: 101)
            try Self.raise(f, device: f.haihe[0], id: 102)
            try Self.raise(f, device: f.haihe[1], id: 103)
            let first = try #require(await reader.nextEvent())
            let second = try #require(await reader.nextEvent())
            #expect(first.kind == "alarm")
            #expect(first.data.contains(f.haihe[0].id))
            #expect(second.data.contains(f.haihe[1].id))
            #expect(second.id > first.id)
            // Reconnect after the first: the second comes again from the store, the other firm's never.
            let again = try SSEReader(port: port, path: "/v1/stream", token: token, lastEventId: first.id)
            let missed = try #require(await again.nextEvent())
            #expect(missed.id == second.id)
            #expect(!missed.data.contains(f.jinnan[0].id))
        }
    }
}
