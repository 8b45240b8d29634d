import FoundationEssentials
import Foundation
import DeviceCatalog
import Domain
@testable import Ingest
import Simulation
import SourceFiles
import Testing

/// The validator's byte-level fast path must agree with the general path on every message:
/// the same messages accepted with the same values and `data`, and (since the fast path
/// never rejects) every dead letter coming from the general path unchanged. Checked over the
/// sample fleet's simulated traffic and thousands of mutations of it.
@Suite struct FastPathTests {
    static let now: Int64 = 1_795_567_546_013

    struct Case {
        let topic: String
        let payload: String
    }

    static func fleet() throws -> (DeviceDirectory, [Case]) {
        let catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
        let directory = DeviceDirectory(types: catalog.types, devices: catalog.fleet.devices.enumerated().map { (Int64($0.offset + 1), $0.element) },
                                        gateways: catalog.fleet.gateways.map(\.id), firms: catalog.fleet.firms, sites: catalog.fleet.sites,
                                        stations: catalog.fleet.stations)
        var rng = SplitMix64(seed: 7)
        var models = catalog.fleet.devices.map { DeviceModel(record: $0, seqStart: 0, rng: &rng) }
        var cases: [Case] = []
        for round in 0..<3 {
            for i in models.indices {
                let (kind, payload) = models[i].next(nowMs: now - Int64(2 - round) * 1000, rng: &rng)
                let d = models[i].record
                cases.append(Case(topic: "equipwatch/v1/\(d.gateway)/\(d.id)/\(kind.rawValue)", payload: payload))
            }
        }
        return (directory, cases)
    }

    /// Mutations that keep a message valid (the fast path may take it or pass it on) or make it
    /// invalid in each way the fast path must notice.
    static func mutations(of c: Case, _ rng: inout SplitMix64) -> [Case] {
        let p = c.payload
        var out: [Case] = [
            Case(topic: c.topic, payload: " \n" + p + "\t"),
            Case(topic: c.topic, payload: "[" + p + "," + p + "]"),
            Case(topic: c.topic, payload: "[" + p + ",1]"),
            Case(topic: c.topic, payload: "[]"),
            Case(topic: c.topic, payload: p + "x"),
            Case(topic: c.topic, payload: String(p.dropLast())),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: ":", with: " : ")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"seq\"", with: "\"ts\"")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"data\":{", with: "\"data\":{\"extra\":1,")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"data\":{", with: "\"data\":{\"x\":{\"y\":[1,2]},")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"ts\":", with: "\"ts\":-")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"ts\":", with: "\"ts\":0")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"ts\":\(now)", with: "\"ts\":\"\(Timestamp.format(now - 1000))\"")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"ts\":\(now)", with: "\"ts\":\(now + 3_600_000)")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"ts\":\(now)", with: "\"ts\":1")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"", with: "\"\\u0041")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "true", with: "1")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "clos\\u0065d")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "ajar")),
            // Strings read eight bytes at a time: a byte that ends the fast path past the eighth.
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "closed-and-locked")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "closed-and-\u{7F}")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "closed-and-\u{01}x")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "closed-and-é")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "closed", with: "closed-and-\\\"x")),
            Case(topic: c.topic, payload: p.replacingOccurrences(of: "\"data\":{", with: "\"data\":{\"a_rather_long_name\u{1F}\":1,")),
            Case(topic: c.topic.replacingOccurrences(of: "/telemetry", with: "/event"), payload: p),
            Case(topic: c.topic.replacingOccurrences(of: "/event", with: "/telemetry"), payload: p),
            Case(topic: c.topic.replacingOccurrences(of: "equipwatch/v1/", with: "equipwatch/v1/gw-nobody/x/"), payload: p),
            Case(topic: c.topic.replacingOccurrences(of: "equipwatch/v1/", with: "equipwatch/v2/"), payload: p),
            Case(topic: c.topic + "/more", payload: p),
            Case(topic: c.topic + "x", payload: p),
        ]
        // Nesting at and beyond the reader's limit (32 levels), alone and in a batch, where the
        // batch adds a level.
        for levels in [29, 30, 31, 32] {
            let deep = String(repeating: "{\"a\":", count: levels) + "1" + String(repeating: "}", count: levels)
            let q = p.contains("\"data\":{}")
                ? p.replacingOccurrences(of: "\"data\":{}", with: "\"data\":{\"deep\":\(deep)}")
                : p.contains("\"data\":")
                ? p.replacingOccurrences(of: "\"data\":{", with: "\"data\":{\"deep\":\(deep),")
                : String(p.dropLast()) + ",\"data\":{\"deep\":\(deep)}}"
            out.append(Case(topic: c.topic, payload: q))
            out.append(Case(topic: c.topic, payload: "[" + q + "]"))
        }
        // Numbers in every form: exponents, fractions, long digits, leading zeros, huge values.
        for replacement in ["1e2", "1.5E-1", "0.1", "-0.0", "007", "12345678901234567890", "3.14159265358979323", "99999", "-1", "1.", ".5"] {
            if let r = p.range(of: #":[0-9]+(\.[0-9]+)?[,}]"#, options: .regularExpression), !p[r].hasPrefix(":\(now)") {
                var q = p
                q.replaceSubrange(p.index(after: r.lowerBound)..<p.index(before: r.upperBound), with: replacement)
                out.append(Case(topic: c.topic, payload: q))
            }
        }
        // Random byte flips, deletions and duplications.
        var bytes = Array(p.utf8)
        for _ in 0..<6 {
            guard !bytes.isEmpty else { break }
            let i = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 3 {
            case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next() % 128)
            case 1: bytes.remove(at: i)
            default: bytes.insert(bytes[i], at: i)
            }
            out.append(Case(topic: c.topic, payload: String(decoding: bytes, as: UTF8.self)))
        }
        return out
    }

    @Test func fastAndGeneralPathsAgreeOnTheFleetsTrafficAndItsMutations() throws {
        let (directory, base) = try Self.fleet()
        let validator = Validator(prefix: "equipwatch/v1", limits: IngestLimits())
        var rng = SplitMix64(seed: 11)
        var cases = base
        for c in base { cases += Self.mutations(of: c, &rng) }
        var fastTaken = 0
        var rejected = 0
        for c in cases {
            var both = IngestOutput()
            var general = IngestOutput()
            var fast = IngestOutput()
            var t = c.topic
            var p = c.payload
            t.withUTF8 { tb in p.withUTF8 { pb in
                let (topic, payload) = (UnsafeRawBufferPointer(tb), UnsafeRawBufferPointer(pb))
                validator.validate(topic: topic, payload: payload, receivedAt: Self.now, directory: directory, into: &both)
                validator.validateGenerally(topic: topic, payload: payload, receivedAt: Self.now, directory: directory, into: &general)
                if validator.acceptFast(topic: topic, payload: payload, receivedAt: Self.now, directory: directory, into: &fast) {
                    fastTaken += 1
                } else {
                    #expect(fast.accepted.isEmpty, "a declined message leaves nothing behind: \(c.topic) \(c.payload)")
                }
            } }
            #expect(both.accepted.count == general.accepted.count, "\(c.topic) \(c.payload)")
            for (a, b) in zip(both.accepted, general.accepted) {
                #expect(a.deviceNum == b.deviceNum && a.entryIndex == b.entryIndex && a.kind == b.kind && a.ts == b.ts && a.seq == b.seq
                        && a.receivedAt == b.receivedAt && a.code == b.code && a.data == b.data && a.stationIndex == b.stationIndex,
                        "\(c.topic) \(c.payload)")
                #expect(a.values.count == b.values.count && zip(a.values, b.values).allSatisfy { x, y in
                    switch (x, y) {
                    case (.number(let u)?, .number(let v)?): u.bitPattern == v.bitPattern
                    default: x == y
                    }
                }, "values differ for \(c.payload)")
            }
            #expect(both.deadLetters.map { "\($0.reason) \($0.detail)" } == general.deadLetters.map { "\($0.reason) \($0.detail)" })
            rejected += general.deadLetters.count
        }
        // Both kinds of case were exercised: most healthy messages take the fast path, and the
        // mutations produced rejections for the general path to explain.
        #expect(fastTaken >= base.count, "fast path took \(fastTaken) of \(cases.count)")
        #expect(rejected > cases.count / 4)
    }

    /// The worker keeps one output for the whole stream: messages' values and `data` are slices
    /// of arena blocks that later messages fill and roll over (tiny blocks here, so every few
    /// messages start one), and a message must still read what it was accepted with after all
    /// of them. Each message is compared with the same message validated on its own.
    @Test func messagesKeepTheirValuesAndDataAcrossArenaBlocks() throws {
        let (directory, cases) = try Self.fleet()
        let validator = Validator(prefix: "equipwatch/v1", limits: IngestLimits())
        func validate(_ c: Case, into out: inout IngestOutput) {
            var t = c.topic
            var p = c.payload
            t.withUTF8 { tb in p.withUTF8 { pb in
                validator.validate(topic: UnsafeRawBufferPointer(tb), payload: UnsafeRawBufferPointer(pb), receivedAt: Self.now,
                                   directory: directory, into: &out)
            } }
        }
        var stream = IngestOutput()
        stream.values = ArenaWriter(blockCapacity: 20)
        stream.text = ArenaWriter(blockCapacity: 300)
        var kept: [AcceptedMessage] = []
        for c in cases {
            validate(c, into: &stream)
            kept += stream.accepted
            stream.removeAll()
        }
        var alone: [AcceptedMessage] = []
        for c in cases {
            var out = IngestOutput()
            validate(c, into: &out)
            alone += out.accepted
        }
        #expect(kept.count == alone.count && kept.count >= cases.count)
        for (a, b) in zip(kept, alone) {
            #expect(a.data == b.data && a.data.string == b.data.string)
            #expect(Array(a.values) == Array(b.values), "values differ for \(b.data)")
        }
        // An event carries no values; a telemetry message one slot per declared field.
        #expect(kept.contains { $0.kind == .telemetry && $0.values.count == directory.type(of: directory.entries[$0.entryIndex]).fields.count })
    }

    /// A copy of a writer that writes on notices that its block moved on and starts its own:
    /// slices handed out by either copy never overlap.
    @Test func copiedArenaWritersNeverOverwriteEachOther() {
        var a = ArenaWriter<UInt8>(blockCapacity: 64)
        let first = Array("one".utf8).withUnsafeBufferPointer { a.append(contentsOf: $0) }
        var b = a
        let fromA = Array("two".utf8).withUnsafeBufferPointer { a.append(contentsOf: $0) }
        let fromB = Array("six".utf8).withUnsafeBufferPointer { b.append(contentsOf: $0) }
        let text = { (r: (block: ArenaBlock<UInt8>, start: Int)) in JSONBytes(block: r.block, start: r.start, count: 3).string }
        #expect([text(first), text(fromA), text(fromB)] == ["one", "two", "six"])
        #expect(fromA.block === first.block && fromB.block !== first.block)
        // A slice larger than a block gets a block of its own.
        let big = [UInt8](repeating: 0x61, count: 200)
        let r = big.withUnsafeBufferPointer { a.append(contentsOf: $0) }
        #expect(JSONBytes(block: r.block, start: r.start, count: 200).string == String(repeating: "a", count: 200))
    }

    @Test func byteKeyTableFindsExactlyItsKeys() {
        let keys = (0..<1000).map { "311012010420\(String(format: "%07d", $0))" } + ["", "a", "gw-1"]
        let table = ByteKeyTable(keys)
        for (i, k) in keys.enumerated() { #expect(table.value(for: k) == i) }
        for miss in ["3110120104200000000x", "311012010420000000", "b", "gw-2", "GW-1"] { #expect(table.value(for: miss) == nil) }
        let last = ByteKeyTable([(key: "x", value: 1), (key: "y", value: 2), (key: "x", value: 3)])
        #expect(last.value(for: "x") == 3 && last.value(for: "y") == 2)
    }

    /// A guess only saves the hash: right, wrong, out of range or empty, the answer is the same.
    @Test func byteKeyTableGuessNeverChangesTheAnswer() {
        let table = ByteKeyTable(["speed_mps", "floor", "speed_mp", "", "load_pct"])
        for key in ["speed_mps", "floor", "speed_mp", "", "load_pct", "speed_mpt", "flo", "x"] {
            var k = key
            let expected = table.value(for: key)
            for guess in 0..<7 {
                #expect(k.withUTF8 { table.value(for: UnsafeRawBufferPointer($0), guess: guess) } == expected, "\(key) guessing \(guess)")
            }
        }
        let repeated = ByteKeyTable([(key: "x", value: 1), (key: "y", value: 2), (key: "x", value: 3)])
        var x = "x"
        #expect(x.withUTF8 { repeated.value(for: UnsafeRawBufferPointer($0), guess: 0) } == 3)
    }
}
