import Domain
import Foundation
import GRDB
import Records
import Storage
import Testing
import TestSupport

@Suite("Retention on a store of backdated rows (temporary database)")
struct RetentionTests {
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000

    @Test("dead letters older than their retention are deleted, in chunks; newer ones stay")
    func deadLettersExpire() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let day: Int64 = 86_400_000, now: Int64 = 1_800_000_000_000
        var batch = CommitBatch()
        for i in 0..<25 {
            let at = i < 20 ? now - 40 * day + Int64(i) : now - day
            batch.deadLetters.append(DeadLetter(receivedAt: at, reason: .unknownDevice, detail: "d", topic: "t", gateway: nil, device: nil,
                                                payload: [1, 2, 3], payloadSize: 3))
        }
        try f.store.commit(batch)
        var policy = RetentionPolicy()
        policy.deadLettersMs = 30 * day
        policy.chunk = 7
        var deleted = 0
        while true {
            let n = try f.store.pruneDeadLetters(before: now - policy.deadLettersMs, limit: policy.chunk)
            deleted += n
            if n < policy.chunk { break }
        }
        #expect(deleted == 20)
        #expect(try f.store.count(.deadLetters) == 5)
    }

    @Test("old readings become hourly aggregates, those around an incident are kept as its evidence, recent ones stay")
    func pruneOldReadings() throws {
        let f = try StoreFixture()
        defer { f.close() }
        let e1 = try f.num("E1")
        let now: Int64 = 1_795_000_000_000 - (1_795_000_000_000 % Self.hour)
        let old = now - 40 * Self.day   // an hour's start, 40 days back
        var batch = CommitBatch()
        // Two hours of old readings, one a minute, speed 0..59 and 100..159; a reading with no number.
        for m in 0..<120 {
            let speed = m < 60 ? Double(m) : Double(100 + m - 60)
            batch.messages.append(AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .telemetry, ts: old + Int64(m) * 60_000, seq: UInt64(m),
                                                  receivedAt: old + Int64(m) * 60_000, values: [], code: nil,
                                                  data: #"{"speed_mps":\#(speed),"moving":true}"#))
        }
        // Recent readings stay raw.
        for m in 0..<5 {
            batch.messages.append(AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .telemetry, ts: now - Int64(m) * 60_000, seq: UInt64(1000 + m),
                                                  receivedAt: now, values: [], code: nil, data: #"{"speed_mps":1}"#))
        }
        // An incident 90 minutes into the old period: readings within ±10 min are its evidence.
        let alarm = Alarm(id: 1, deviceNum: e1, device: "E1", type: "elevator", site: "site-1", firm: "firm-a", rule: "r", family: "r",
                          pack: "p", severity: .critical, state: .firing, startedAt: old + 90 * 60_000, firedAt: old + 90 * 60_000,
                          resolvedAt: nil, repeats: 0, lastAt: old + 90 * 60_000, message: "m", inputs: "{}", incidentId: 9)
        batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true), payload: "{}")]
        try f.store.commit(batch)

        var policy = RetentionPolicy()  // 30 d raw, ±10 min evidence
        policy.chunk = 50
        // Small steps, as the background service takes them.
        var total = PruneResult()
        var steps = 0
        while true {
            let step = try f.store.pruneReadings(device: e1, before: now - policy.rawMs, policy: policy)
            total = total + step
            steps += 1
            if step.pruned < policy.chunk { break }
        }
        // 120 readings a minute apart, committed together, are 60 rows of two (a row spans at
        // most 60 s): a step of 50 rows, then one of 10.
        #expect(steps == 2)
        #expect(total.pruned == 120)
        #expect(total.evidence == 21)  // minutes 80...100 inclusive
        #expect(try f.store.readings(device: "E1", from: nil, to: nil, limit: 100).count == 5)
        #expect(try f.store.devicesWithReadings(before: now - policy.rawMs).isEmpty)

        let rows = try f.store.sqlRows("SELECT hour, field, count, min, max, sum, last FROM reading_aggregates ORDER BY hour, field")
        #expect(rows.count == 2)  // two hours of speed_mps; `moving` is a boolean, not a numeric field
        let speed = rows.filter { $0["field"] == "speed_mps" }
        func number(_ row: [String: String?], _ column: String) -> Double { (row[column] ?? nil).flatMap { Double($0) } ?? .nan }
        #expect(speed.map { number($0, "hour") } == [Double(old), Double(old + Self.hour)])
        #expect(speed.map { number($0, "count") } == [60, 60])
        #expect(speed.map { number($0, "min") } == [0, 100])
        #expect(speed.map { number($0, "max") } == [59, 159])
        #expect(speed.map { number($0, "sum") / number($0, "count") } == [29.5, 129.5])
        #expect(speed.map { number($0, "last") } == [59, 159])
        let evidence = try f.store.sqlInts("SELECT ts FROM incident_evidence WHERE incident_id = 9 ORDER BY ts")
        #expect(evidence.first == old + 80 * 60_000)
        #expect(evidence.last == old + 100 * 60_000)

        let stats = Dictionary(uniqueKeysWithValues: try f.store.tableStats().map { ($0.table, $0) })
        #expect(stats["readings"]?.rows == 5)
        #expect(stats["reading_aggregates"]?.rows == 2)
        #expect(stats["incident_evidence"]?.rows == 21)
        #expect(stats["readings"]?.oldest == Instant(millis: now - 4 * 60_000))
    }
}
