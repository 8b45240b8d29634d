import GRDB
import Domain
import Foundation
import Glibc
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Records
import Storage
import Testing
import TestSupport

/// Reads a Server-Sent Events stream from a live server over a plain socket, line by line.
final class SSEReader: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer`: a small socket buffer makes a reader that does not read block the
    /// server's writes soon (a slow client).
    init(port: Int, path: String, token: String, lastEventId: Int64? = nil, receiveBuffer: Int32? = nil) throws {
        fd = try Self.connect(port: port, receiveBuffer: receiveBuffer, timeoutSeconds: 30)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n"
        if let lastEventId { request += "Last-Event-ID: \(lastEventId)\r\n" }
        request += "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    deinit { close(fd) }

    /// A TCP connection to 127.0.0.1:`port` (a small `receiveBuffer` makes a slow client), whose
    /// reads time out after `timeoutSeconds`; the caller closes it.
    static func connect(port: Int, receiveBuffer: Int32? = nil, timeoutSeconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else {
            close(fd)
            throw TestFailure("cannot connect to \(port)")
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Reads until a comment line starting with `prefix` (returned), or the end of the stream (nil).
    func comment(startingWith prefix: String) async -> String? {
        await Self.offPool {
            while let l = self.line() { if l.hasPrefix(prefix) { return l } }
            return nil
        }
    }

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
        let num = try f.env.store.num(device.id)
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

    /// Commits `count` alarm changes for `device` in one transaction, each payload about `size` bytes.
    static func raiseMany(_ f: APIFixture, device: DeviceRecord, from id: Int64, count: Int, size: Int) throws {
        let num = try f.env.store.num(device.id)
        var batch = CommitBatch()
        let padding = String(repeating: "x", count: size)
        for i in id..<(id + Int64(count)) {
            let alarm = Alarm(id: i, deviceNum: num, device: device.id, type: device.type, site: device.site, firm: device.firm, rule: "s.\(i)",
                              family: "s.\(i)", pack: "p", severity: .major, state: .firing, startedAt: f.t0 + i, firedAt: f.t0 + i,
                              resolvedAt: nil, repeats: 0, lastAt: f.t0 + i, message: "m", inputs: "{}", incidentId: nil)
            batch.alarms.append(AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: false),
                                           payload: #"{"id":\#(i),"device":"\#(device.id)","pad":"\#(padding)"}"#))
        }
        try f.env.store.commit(batch)
    }

    @Test("a reader that stops reading is cut off once its buffer is full, told to resume; with Last-Event-ID it gets every change; a reader that keeps up is not cut")
    func slowReaderIsCutOffAndResumes() async throws {
        var limits = APIServer.Limits()
        limits.streams.batch = 100
        limits.streams.tickMs = 10
        let f = try APIFixture(limits: limits)
        try await f.run { api in
            let port = try #require(api.client.port)
            let token = try #require(f.tokens["supervisor"])
            let slow = try SSEReader(port: port, path: "/v1/stream", token: token, receiveBuffer: 4096)
            let fast = try SSEReader(port: port, path: "/v1/stream", token: token)
            #expect(await slow.connected())
            #expect(await fast.connected())
            let total = 3000
            // The fast reader reads as the changes come.
            let fastIds = Task.detached { () -> [Int64] in
                var ids: [Int64] = []
                while ids.count < total, let e = fast.event() { ids.append(e.id) }
                return ids
            }
            try Self.raiseMany(f, device: f.haihe[0], from: 1000, count: total, size: 2000)
            let got = await fastIds.value
            #expect(got.count == total)
            #expect(Set(got).count == total)
            // The slow one reads only now: what it had, then the word to resume, then the end.
            let (slowIds, told) = await SSEReader.offPool { () -> ([Int64], String?) in
                var ids: [Int64] = []
                while let l = slow.line() {
                    if l.hasPrefix("id: "), let id = Int64(l.dropFirst(4)) { ids.append(id) }
                    if l.hasPrefix(": fell behind") { return (ids, l) }
                }
                return (ids, nil)
            }
            #expect(told != nil && slowIds.count < total, "\(slowIds.count) events, \(told ?? "no notice")")
            let resumeFrom = try #require(slowIds.last)
            #expect(told?.contains("Last-Event-ID \(resumeFrom)") == true)
            let again = try SSEReader(port: port, path: "/v1/stream", token: token, lastEventId: resumeFrom)
            let already = slowIds.count
            let rest = await SSEReader.offPool { () -> [Int64] in
                var ids: [Int64] = []
                while already + ids.count < total, let e = again.event() { ids.append(e.id) }
                return ids
            }
            // Nothing skipped, nothing twice: together, exactly the fast reader's changes.
            #expect(slowIds + rest == got)
            #expect(f.server.feed.streams <= 2)
        }
    }

    @Test("one stream more than the limit is 503 with Retry-After; once one closes a new one opens")
    func streamLimit() async throws {
        var limits = APIServer.Limits()
        limits.streams.maxStreams = 2
        let f = try APIFixture(limits: limits)
        try await f.run { api in
            let port = try #require(api.client.port)
            let token = try #require(f.tokens["supervisor"])
            var first: SSEReader? = try SSEReader(port: port, path: "/v1/stream", token: token)
            let second = try SSEReader(port: port, path: "/v1/stream", token: token)
            #expect(await first!.connected())
            #expect(await second.connected())
            let third = try await api.get("/v1/stream")
            #expect(third.status == .serviceUnavailable && third.errorCode == "too_many_streams")
            #expect(third.headers[.retryAfter] == "5")
            first = nil   // the client goes away
            try await waitUntilAsync(timeout: 30, "the closed stream is released") { f.server.feed.streams < 2 }
            let fourth = try SSEReader(port: port, path: "/v1/stream", token: token)
            #expect(await fourth.connected())
        }
    }

    @Test("a revoked token's open stream ends within the token check, before any later change reaches it; an expiring one too")
    func revokedTokenStreamEnds() async throws {
        var limits = APIServer.Limits()
        limits.streams.tokenCheckMs = 200
        let f = try APIFixture(limits: limits)
        try await f.run { api in
            let port = try #require(api.client.port)
            let secret = "ew_test_stream_\(UUID().uuidString)"
            let id = try f.env.store.createToken(name: "to-revoke", role: .supervisor, hash: SHA256.hex(secret.utf8), expiresAt: nil, now: nowMs())
            let reader = try SSEReader(port: port, path: "/v1/stream", token: secret)
            #expect(await reader.connected())
            #expect(try f.env.store.revokeToken(id: id, at: nowMs()))
            #expect(await reader.comment(startingWith: ": token") == ": token revoked or expired")
            try Self.raise(f, device: f.haihe[0], id: 9001)
            // The response ends (its last chunk) with no event after the notice.
            let after = await SSEReader.offPool { () -> [String] in
                var lines: [String] = []
                while let l = reader.line(), l != "0" { lines.append(l) }
                return lines
            }
            #expect(!after.contains { $0.hasPrefix("id: ") }, "\(after)")
            // A token that expires while its stream is open: valid for an hour when the stream
            // opens, then its expiry is moved to a moment ago (no race with a loaded machine's
            // connect), and the next token check ends the stream.
            let short = "ew_test_short_\(UUID().uuidString)"
            let shortId = try f.env.store.createToken(name: "short", role: .supervisor, hash: SHA256.hex(short.utf8),
                                                      expiresAt: nowMs() + 3_600_000, now: nowMs())
            let expiring = try SSEReader(port: port, path: "/v1/stream", token: short)
            #expect(await expiring.connected())
            try f.env.store.sqlExecute("UPDATE api_tokens SET expires_at = ? WHERE id = ?", [nowMs() - 1, shortId])
            #expect(await expiring.comment(startingWith: ": token") == ": token revoked or expired")
        }
    }
}
