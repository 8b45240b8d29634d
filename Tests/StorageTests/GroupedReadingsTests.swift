import Domain
import Foundation
import GRDB
import Records
import Storage
import Testing
import TestSupport

/// A device's readings written by one commit share a row (`ReadingRows`); every query still sees
/// them one by one.
@Suite("Readings grouped per device and commit (temporary database)")
struct GroupedReadingsTests {
    static let t0: Int64 = 1_795_000_000_000 - (1_795_000_000_000 % 3_600_000)

    /// A reading with `data` carrying its own time and sequence, spaced as sent.
    static func reading(_ num: Int64, ts: Int64, seq: UInt64?, receivedAt: Int64) -> AcceptedMessage {
        AcceptedMessage(deviceNum: num, entryIndex: 0, kind: .telemetry, ts: ts, seq: seq, receivedAt: receivedAt, values: [], code: nil,
                        data: #"{ "speed_mps": \#(Double(ts - t0) / 1000), "tag": "s\#(seq.map(String.init) ?? "-")" }"#)
    }

    /// One commit: E1 sends a reading, a gateway batch of 5, a reading, an event, and 4
    /// readings a minute apart (cut by the 60 s bound); E2 two readings in between.
    static func fixture() throws -> (f: StoreFixture, sent: [AcceptedMessage]) {
        let f = try StoreFixture()
        let e1 = try f.num("E1"), e2 = try f.num("E2")
        var sent: [AcceptedMessage] = []
        sent.append(reading(e1, ts: t0, seq: 1, receivedAt: t0 + 5))
        // Out of order inside the batch, as a gateway may send them: kept in the order sent.
        for (k, dt) in [4_000, 1_000, 2_000, 3_000, 5_000].enumerated() {
            sent.append(reading(e1, ts: t0 + Int64(dt), seq: UInt64(2 + k), receivedAt: t0 + 6_000))
        }
        sent.append(reading(e2, ts: t0 + 2_500, seq: nil, receivedAt: t0 + 6_000))
        sent.append(reading(e2, ts: t0 + 2_600, seq: nil, receivedAt: t0 + 6_000))
        sent.append(reading(e1, ts: t0 + 7_000, seq: 7, receivedAt: t0 + 7_000))
        for k in 0..<4 {
            sent.append(reading(e1, ts: t0 + 10_000 + Int64(k) * 60_000, seq: UInt64(8 + k), receivedAt: t0 + 200_000))
        }
        var batch = CommitBatch()
        batch.messages = sent
        batch.messages.insert(AcceptedMessage(deviceNum: e1, entryIndex: 0, kind: .event, ts: t0 + 6_500, seq: nil, receivedAt: t0 + 6_500,
                                              values: [], code: "alarm_button", data: "{}"), at: 8)
        try f.store.commit(batch)
        return (f, sent)
    }

    @Test("rows: one per device and commit within 60 s and 64 readings; each reading keeps an id, its arrival and its data as sent")
    func rowsAndIds() throws {
        let (f, sent) = try Self.fixture()
        defer { f.close() }
        let rows = try f.store.sqlRows("SELECT id, device_num, ts, ts_first, elements FROM readings ORDER BY id")
            .map { row in row.mapValues { $0.flatMap { Int64($0) } } }
        // E1 in arrival order: t0 ... 10 s (8 readings within 60 s), [70 s, 130 s], 190 s alone; then E2's two.
        #expect(rows.map { $0["elements"] ?? nil } == [8, 2, nil, 2])
        #expect(rows.map { $0["id"] ?? nil } == [8, 10, 11, 13])  // a row is stored under its last reading's id
        #expect(rows[0]["ts_first"] == Self.t0 && rows[0]["ts"] == Self.t0 + 10_000)  // ts: the latest
        #expect(try f.store.count(.readings) == sent.count)
        #expect(try f.store.sqlInt("SELECT COUNT(*) FROM readings_flat") == Int64(sent.count))
        #expect(try f.store.sqlInt("SELECT COUNT(DISTINCT id) FROM readings_flat") == Int64(sent.count))

        let e1 = try f.store.readings(device: "E1", from: nil, to: nil, limit: 100)
        let expected = sent.filter { $0.deviceNum == (try? f.num("E1")) }.sorted { ($0.ts, $0.seq ?? 0) > ($1.ts, $1.seq ?? 0) }
        #expect(e1.map(\.ts.millis) == expected.map(\.ts))
        #expect(e1.map(\.seq) == expected.map { $0.seq.map(Int64.init) })
        // The data text is the bytes sent, spaces and all.
        #expect(e1.map(\.data.text) == expected.map(\.data.string))
        #expect(Set(e1.map(\.id)).count == e1.count)
        #expect(e1.first { $0.seq == 1 }?.receivedAt.millis == Self.t0 + 5)
        #expect(e1.first { $0.seq == 3 }?.receivedAt.millis == Self.t0 + 6_000)
        #expect(e1.first { $0.seq == 7 }?.receivedAt.millis == Self.t0 + 7_000)
        #expect(try f.store.sqlInt("SELECT received_at FROM readings_flat WHERE seq = 7") == Self.t0 + 7_000)

        // 70 readings of one device in one commit: rows of 64 and 6.
        var burst = CommitBatch()
        let e2 = try f.num("E2")
        for k in 0..<70 { burst.messages.append(Self.reading(e2, ts: Self.t0 + 300_000 + Int64(k), seq: UInt64(100 + k), receivedAt: Self.t0 + 301_000)) }
        try f.store.commit(burst)
        #expect(try f.store.sqlInts("SELECT elements FROM readings WHERE id > 13 ORDER BY id") == [64, 6])
        #expect(try f.store.readings(device: "E2", from: Self.t0 + 300_000, to: nil, limit: 100).map(\.seq) == (100..<170).reversed().map { Int64($0) })
    }

    @Test("pages of 3 by (ts, id) cross rows without losing or repeating a reading; a time range cuts inside a row")
    func pagesAndRanges() throws {
        let (f, _) = try Self.fixture()
        defer { f.close() }
        let all = try f.store.readings(device: "E1", from: nil, to: nil, limit: 100)
        var paged: [ReadingItem] = []
        var after: PageCursor?
        while true {
            let page = try f.store.readings(device: "E1", from: nil, to: nil, limit: 3, scope: .supervisor, after: after)
            paged += page
            guard page.count == 3, let last = page.last else { break }
            after = PageCursor(sort: last.ts.millis, id: last.id)
        }
        #expect(paged == all)
        let inside = try f.store.readings(device: "E1", from: Self.t0 + 2_000, to: Self.t0 + 4_000, limit: 100)
        #expect(inside.map(\.seq) == [2, 5, 4])
        // A range after a row's first reading still finds its later ones.
        let late = try f.store.readings(device: "E1", from: Self.t0 + 4_500, to: Self.t0 + 6_000, limit: 100)
        #expect(late.map(\.seq) == [6])
    }

    @Test("replay reads every reading and event once in time order, across rows that overlap")
    func replayOrder() throws {
        let (f, sent) = try Self.fixture()
        defer { f.close() }
        var seen: [(Int64, Bool)] = []
        try f.store.forEachMessage(from: Self.t0 + 1_500, to: Self.t0 + 400_000) { seen.append(($0.ts, $0.isEvent)) }
        let expected = (sent.map(\.ts) + [Self.t0 + 6_500]).filter { $0 >= Self.t0 + 1_500 }.sorted()
        #expect(seen.map(\.0) == expected)
        #expect(seen.filter(\.1).map(\.0) == [Self.t0 + 6_500])
    }

    @Test("a redelivered reading is found in its row; another sequence number at the same time is not")
    func duplicates() throws {
        let (f, sent) = try Self.fixture()
        defer { f.close() }
        let third = sent[3]  // seq 4, inside E1's first row
        #expect(try f.store.contains(third))
        #expect(try !f.store.contains(AcceptedMessage(deviceNum: third.deviceNum, entryIndex: 0, kind: .telemetry, ts: third.ts, seq: 99,
                                                      receivedAt: third.receivedAt, values: [], code: nil, data: "{}")))
        let single = sent[0]
        #expect(try f.store.contains(single))
    }

    @Test("retention prunes a row once all its readings are old: aggregates and evidence count readings")
    func retention() throws {
        let (f, sent) = try Self.fixture()
        defer { f.close() }
        var policy = RetentionPolicy()
        policy.rawMs = 0
        // The cutoff falls inside the second split row ([130 s, 190 s]): that row stays.
        let cutoff = Self.t0 + 150_000
        let e1 = try f.num("E1")
        let alarm = Alarm(id: 1, deviceNum: e1, device: "E1", type: "elevator", site: "site-1", firm: "firm-a", rule: "r", family: "r",
                          pack: "p", severity: .critical, state: .firing, startedAt: Self.t0 + 2_000, firedAt: Self.t0 + 2_000,
                          resolvedAt: nil, repeats: 0, lastAt: Self.t0 + 2_000, message: "m", inputs: "{}", incidentId: 9)
        var batch = CommitBatch()
        batch.alarms = [AlarmWrite(change: AlarmChange(alarm: alarm, transition: .raised, opensIncident: true), payload: "{}")]
        try f.store.commit(batch)
        policy.evidenceBeforeMs = 1_000
        policy.evidenceAfterMs = 1_000
        let r = try f.store.pruneReadings(device: e1, before: cutoff, policy: policy)
        #expect(r.pruned == 10)  // E1's rows up to 130 s; its reading at 190 s stays, E2 is another device
        #expect(r.evidence == 3)  // t0 + 1 s, 2 s, 3 s: inside the first row
        #expect(r.unreadable == 0)
        let evidenceIds = try f.store.sqlInts("SELECT reading_id FROM incident_evidence ORDER BY ts")
        #expect(evidenceIds == [3, 4, 5])
        let counted = try f.store.sqlInt("SELECT SUM(count) FROM reading_aggregates WHERE field = 'speed_mps'").map { Int($0) }
        #expect(counted == 10)
        #expect(try f.store.readings(device: "E1", from: nil, to: nil, limit: 100).map(\.seq) == [11])
        #expect(try f.store.count(.readings) == sent.count - 10)
        #expect(try f.store.devicesWithReadings(before: cutoff) == [try f.num("E2")])
    }
}
