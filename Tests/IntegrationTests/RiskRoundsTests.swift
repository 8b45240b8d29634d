import Settings
import Ingest
import DeviceCatalog
import Domain
import Foundation
import Logging
import Pipeline
import Records
import Services
import Storage
import Synchronization
import Testing
import TestSupport

/// Risk grading when a whole fleet's inputs change at once (every device spoke, a registry
/// reload): graded in rounds of at most `roundSize`, none left out.
@Suite("Risk grading rounds (real SQLite)")
struct RiskRoundsTests {
    @Test("waking every device grades them all in rounds of at most roundSize, each its own transaction")
    func wakesAreGradedInBoundedRounds() throws {
        let env = try TestEnvironment()
        defer { env.close() }
        let directory = try env.store.loadDirectory(types: env.catalog.types)
        let model = try RulesSync.risk(rulesDirectory: env.settings.rulesDirectory)
        // Each round reads the clock once; a clock that moves a second per reading tells rounds apart.
        let ticks = Mutex(wallMillis())
        let clock = PipelineClock(now: { ticks.withLock { $0 += 1000; return $0 } })
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let roundSize = 50
        let service = RiskService(store: env.store, model: model, directory: directory, topics: Topics(), clock: clock, logger: logger,
                                  roundSize: roundSize)
        let all = directory.entries.map(\.num)
        #expect(all.count > 5 * roundSize)
        service.start()
        defer { service.stop() }
        try waitUntil(timeout: 60, "the first pass grades every device") { try env.store.currentRisk().count == all.count }
        let woken = ticks.withLock { $0 }
        service.wake(all)
        try waitUntil(timeout: 60, "every woken device graded again") {
            try env.store.currentRisk().values.allSatisfy { $0.computedAt > woken }
        }
        let rounds = Dictionary(grouping: try env.store.currentRisk().values, by: \.computedAt).mapValues(\.count)
        #expect(rounds.values.reduce(0, +) == all.count)
        #expect(rounds.values.allSatisfy { $0 <= roundSize }, "\(rounds.values.sorted(by: >).prefix(3))")
        #expect(rounds.count >= (all.count + roundSize - 1) / roundSize)
    }
}
