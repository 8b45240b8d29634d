import TestSupport
import HTTPTypes
import GRDB
import Foundation
@testable import HTTPAPI
import Logging
import Storage
import Synchronization
import Testing

/// Log lines a test reads back (every level, message and metadata).
final class RecordedLog: Sendable {
    let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    var logger: Logger {
        Logger(label: "api-test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.lines.withLock { $0.append((event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })) }
        }
    }
}

@Suite("HTTP API: failures answer the error shape with an id the log shares")
struct ErrorAnswerTests {
    @Test("a storage error on a route is a JSON 500 with error_id, and the log line names the same id, the route and SQLite's message")
    func storageFailureHasAnId() async throws {
        let log = RecordedLog()
        let f = try APIFixture(logger: log.logger)
        // The alarms table disappears under the server (a damaged or foreign schema).
        try f.env.store.sqlExecute("ALTER TABLE alarms RENAME TO alarms_gone")
        try await f.run { api in
            let r = try await api.get("/v1/alarms")
            #expect(r.status == .internalServerError)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            let error = (r.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "internal")
            let id = try #require(error?["error_id"] as? String)
            #expect(id.count == 12)
            #expect((error?["message"] as? String)?.contains(id) == true)
            let line = try #require(log.lines.withLock { $0.first { $0.metadata["error_id"] == .string(id) } })
            #expect(line.message == "request failed")
            #expect(line.metadata["path"] == .string("/v1/alarms"))
            // The engine's own words: SQLite's "no such table", PostgreSQL's "relation … does not exist".
            #expect("\(line.metadata["error"] ?? "")".contains(TestEngine.current == .sqlite ? "no such table" : "relation \"alarms\" does not exist"))
            // Routes that do not touch the missing table still answer.
            #expect(try await api.get("/v1/devices").status == .ok)
        }
    }
}
