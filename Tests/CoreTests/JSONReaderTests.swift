import Domain
import Ingest
import Testing

@Suite struct JSONReaderTests {
    func parse(_ s: String) throws(JSONError) -> JSONValue { try JSONReader.parse(Array(s.utf8)) }

    @Test func readsObjectsArraysAndScalarsKeepingIntegersExact() throws {
        let v = try parse(#"{"ts":1795567546013,"seq":9007199254740993,"data":{"a":-1.5e2,"b":true,"c":null,"d":"x\"\u00e9\ud83d\ude00"},"l":[1,2]}"#)
        #expect(v["ts"] == .int(1_795_567_546_013))
        #expect(v["seq"] == .int(9_007_199_254_740_993))
        #expect(v["data"]?["a"] == .double(-150))
        #expect(v["data"]?["b"] == .bool(true))
        #expect(v["data"]?["c"] == .null)
        #expect(v["data"]?["d"] == .string("x\"é😀"))
        #expect(v["l"] == .array([.int(1), .int(2)]))
    }

    @Test(arguments: [
        "", "{", "{\"a\":1,}", "[1,]", "01", "{\"a\" 1}", "tru", "\"abc", "{\"a\":1} x", "\"\u{01}\"",
        "\"\\x\"", "\"\\ud800\"", "1.", "-", "1e", "{'a':1}", "NaN",
    ])
    func rejectsWhatRFC8259Rejects(_ text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8AndReportsTheOffset() {
        #expect(throws: JSONError.self) { try JSONReader.parse([0x22, 0xFF, 0x22]) }
        do { _ = try parse("{\"a\":1,]") } catch { #expect(error.offset == 7) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONError.self) { try parse(deep) }
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect((try? parse(ok)) != nil)
    }

    @Test func writerOutputReadsBackToTheSameValue() throws {
        let v = try parse(#"{"s":"line\nbreak \"q\" \\ é","n":[1.25,-3,0],"o":{"t":false}}"#)
        var out = ""
        JSONWriter.serialize(v, into: &out)
        #expect(try parse(out) == v)
    }
}
