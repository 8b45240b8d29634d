import Source
import Testing
import Yams

/// `YAMLSource` parses without Yams's regular expressions for scalars that can only be strings
/// (`SettledTags`); what any file decodes to must not change.
@Suite struct YAMLSourceTests {
    /// Every scalar as Yams types it: null, bool, number or string, in maps and lists.
    indirect enum Probe: Decodable, Equatable {
        case null, bool(Bool), number(Double), string(String), map([String: Probe]), list([Probe])
        init(from decoder: any Decoder) throws {
            if let m = try? [String: Probe](from: decoder) { self = .map(m); return }
            if let l = try? [Probe](from: decoder) { self = .list(l); return }
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .string(try c.decode(String.self)) }
        }
    }

    /// Keys that look like other types, looked up by name.
    struct Keys: Decodable, Equatable {
        let on: Probe?, one: Probe?, type: Probe?, owner: Probe?, yes: Probe?, quotedTrue: Probe?
        enum CodingKeys: String, CodingKey {
            case on, one = "1", type, owner, yes, quotedTrue = "true"
        }
    }

    static let text = """
        base: &base {kind: traction, floors: 12, on: off}
        items:
          - {<<: *base, id: a, yes: Yes, no: "no", n: 1350, o: 0o17, h: 0x1F, f: 1.75, inf: .inf, neg: -3, d: 2026-07-03,
             z: ~, nul: null, e: "", t: !!str 10, q: 'true', s: owner-x, 2: two, owner: firm-a, type: elevator}
          - plain text with spaces
          - 中文名称
          - [TRUE, False, OFF, on, NULL, Null, "~", =, <<x, .5, +1, 1_000, 12:30, 2026-07-03T08:00:00Z]
        flags: {yes: 1, no: 0, type: x, owner: y, on: z, 1: i}
        strings: {type: x, owner: y, firm: z, floors: 3}
        """
    /// Not decodable as `Probe`: Yams cannot decode a quoted key that looks like a bool in a dictionary.
    static let quotedKeys = Self.text + "\nquotedOn: {\"on\": q, \"type\": s}\nquotedYes: {\"yes\": r}\n"

    @Test func decodesExactlyAsYamsDoes() throws {
        let reference = try YAMLDecoder().decode(Probe.self, from: try #require(try Yams.compose(yaml: Self.text)))
        let source = try YAMLSource(file: "t.yaml", text: Self.text)
        #expect(try source.decode(Probe.self) == reference)
        guard case .map(let top) = reference, case .list(let items)? = top["items"], case .map(let first) = items[0] else {
            Issue.record("unexpected shape: \(reference)")
            return
        }
        // The reference itself, so the comparison above covers what it should.
        #expect(first["yes"] == .bool(true) && first["no"] == .string("no") && first["n"] == .number(1350))
        #expect(first["z"] == .null && first["nul"] == .null && first["q"] == .string("true") && first["kind"] == .string("traction"))

        struct Doc: Decodable { let flags: Keys; let strings: Keys; let quotedOn: Keys; let quotedYes: Keys }
        let keysReference = try YAMLDecoder().decode(Doc.self, from: try #require(try Yams.compose(yaml: Self.quotedKeys)))
        let keys = try YAMLSource(file: "k.yaml", text: Self.quotedKeys).decode(Doc.self)
        #expect(keys.flags == keysReference.flags && keys.strings == keysReference.strings && keys.quotedOn == keysReference.quotedOn && keys.quotedYes == keysReference.quotedYes)
        #expect(keysReference.strings.type == .string("x") && keysReference.flags.one == .string("i"))
        // A quoted "on" is a string, and looking up on (a bool) does not find it; "type" is found.
        #expect(keysReference.quotedOn.on == nil && keysReference.quotedYes.yes == nil && keysReference.quotedOn.type == .string("s"))
    }

    @Test func aDuplicateKeyIsStillReportedWithItsLine() throws {
        #expect(throws: SourceError.self) { try YAMLSource(file: "d.yaml", text: "a: 1\nb: 2\na: 3\n") }
        do {
            _ = try YAMLSource(file: "d.yaml", text: "x:\n  type: 1\n  type: 2\n")
        } catch {
            #expect(error.line != nil && error.description.contains("type"), "\(error)")
        }
    }
}
