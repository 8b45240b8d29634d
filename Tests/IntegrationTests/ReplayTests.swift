import Settings
import MQTT
import DeviceCatalog
import Domain
import Foundation
import Pipeline
import Replay
import Rules
import Source
import SourceFiles
import Records
import Services
import Storage
import Testing
import TestSupport

@Suite("Replay over stored readings (real broker, real SQLite)")
struct ReplayTests {
    @Test("the same rules reproduce the recorded alarm; a pack without the rule reports it removed; a stricter one adds")
    func replayComparesWithTheRecord() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let pipeline = try env.startedPipeline { try env.rulePipeline() }
        let pub = try env.publisher()
        defer { pub.stop() }
        let d = env.device("elevator")
        let rated = try #require(d.attributes["rated_speed_mps"]?.number)
        let start = nowMs() - 120_000
        // Two minutes of readings: normal, then one overspeed, then normal again.
        for i in 0..<24 {
            let speed = i == 10 ? rated * 1.5 : rated * 0.8
            _ = try RuleEngineEndToEndTests.send(env, pub, d, #"{"speed_mps":\#(speed),"moving":true}"#, ts: start + Int64(i) * 5000)
        }
        #expect(pub.flush(timeout: 10))
        try waitUntil(timeout: 10, "overspeed recorded") {
            try env.count("SELECT COUNT(*) FROM alarms WHERE rule = 'elevator.overspeed'") == 1
        }
        try waitUntil(timeout: 10, "all readings stored") { try env.count("SELECT COUNT(*) FROM readings_flat") == 24 }
        pipeline.stop()

        let directory = try env.store.loadDirectory(types: env.catalog.types)
        var options = Replay.Options(from: start, to: start + 24 * 5000)
        options.tickMs = 1000
        func replay(_ rules: RuleSet) throws -> [Replay.Row] {
            try Replay.run(store: env.store, rules: rules, directory: directory, options: options).rows.filter { $0.device == d.id }
        }
        let shipped = try RuleLoader.load(directory: env.settings.rulesDirectory, types: env.catalog.types)
        let same = try replay(shipped)
        #expect(same.filter { $0.family == "elevator.overspeed" }.map(\.change) == [.unchanged])
        #expect(same.allSatisfy { $0.change == .unchanged })

        let original = try String(contentsOfFile: env.settings.rulesDirectory + "/elevator.yaml", encoding: .utf8)
        let withoutOverspeed = original.replacingOccurrences(of: "when: speed_mps > 1.15 * attr.rated_speed_mps or event == \"overspeed\"",
                                                             with: "when: speed_mps > 100 * attr.rated_speed_mps")
        #expect(withoutOverspeed != original)
        let relaxed = try RuleLoader.compile([SourceText(file: "elevator.yaml", text: withoutOverspeed)], types: env.catalog.types)
        #expect(try replay(relaxed).filter { $0.family == "elevator.overspeed" }.map(\.change) == [.removed])

        let stricter = original.replacingOccurrences(of: "when: speed_mps > 1.15 * attr.rated_speed_mps or event == \"overspeed\"",
                                                     with: "when: speed_mps > 0.5 * attr.rated_speed_mps")
        let strict = try RuleLoader.compile([SourceText(file: "elevator.yaml", text: stricter)], types: env.catalog.types)
        let changes = try replay(strict).filter { $0.family == "elevator.overspeed" }.map(\.change)
        #expect(changes.contains(.changed) || changes.contains(.added))

        // A window ending an hour after the data: the clock stops at the last reading, so no
        // "silent" alarm is invented for the hour nothing was stored (before: one per device).
        var late = Replay.Options(from: start, to: start + 3_600_000)
        late.tickMs = 1000
        let report = try Replay.run(store: env.store, rules: shipped, directory: directory, options: late)
        #expect(report.clockEnd == start + 23 * 5000)
        #expect(!report.rows.contains { $0.change == .added && $0.family.hasSuffix(".silent") }, "\(report.rows)")
        #expect(report.rows.allSatisfy { ($0.firedAt ?? start) <= start + 23 * 5000 })
    }
}
