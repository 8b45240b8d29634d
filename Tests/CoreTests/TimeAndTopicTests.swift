import Domain
import DeviceCatalog
import Ingest
import Inspection
import Testing

@Suite struct TimeAndTopicTests {
    @Test func parsesRFC3339WithOffsetsAndFractions() {
        #expect(Timestamp.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseRFC3339("2026-11-25T08:30:00.125+08:00") == Timestamp.parseRFC3339("2026-11-25T00:30:00.125Z"))
        #expect(Timestamp.parseRFC3339("2024-02-29T23:59:59.9999Z") == 1_709_251_199_999)
        #expect(Timestamp.parseRFC3339("2026-02-30T00:00:00Z") == nil)
        #expect(Timestamp.parseRFC3339("2026-11-25 00:00:00") == nil)
        #expect(Timestamp.parseRFC3339("2026-11-25T24:00:00Z") == nil)
    }

    @Test func formatIsTheInverseOfParse() {
        for ms: Int64 in [0, 1, 951_782_400_000, 1_795_567_546_013, 4_102_444_799_999] {
            #expect(Timestamp.parseRFC3339(Timestamp.format(ms)) == ms)
        }
    }

    @Test func parsesDurationsAndRejectsBareNumbers() {
        #expect(Interval(parsing: "15d") == Interval(milliseconds: 1_296_000_000))
        #expect(Interval(parsing: "250ms")?.milliseconds == 250)
        #expect(Interval(parsing: "20") == nil)
        #expect(Interval(parsing: "5 parsecs") == nil)
        #expect(Interval(parsing: "45s")?.description == "45s")
    }

    @Test func splitsTopicsAndRejectsMalformedOnes() throws {
        let t = try Topic.parse("equipwatch/v1/gw-1/3110.A_b/telemetry", prefix: "equipwatch/v1").get()
        #expect(t.gateway == "gw-1")
        #expect(t.device == "3110.A_b")
        #expect(t.kind == .telemetry)
        #expect((try? Topic.parse("equipwatch/v1/gw-1/_/status", prefix: "equipwatch/v1").get())?.kind == .status)
        for bad in ["other/v1/g/d/telemetry", "equipwatch/v1/g/d", "equipwatch/v1/g/d/telemetry/x",
                    "equipwatch/v1/g/d/readings", "equipwatch/v1/g w/d/telemetry", "equipwatch/v1/g/d/status",
                    "equipwatch/v1/g/" + String(repeating: "x", count: 65) + "/event"] {
            #expect((try? Topic.parse(bad, prefix: "equipwatch/v1").get()) == nil, "\(bad)")
        }
    }

    @Test func daysSinceEpochMatchesKnownDates() {
        #expect(Day(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(Day(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11_017)
        #expect(Day(parsing: "2023-02-29") == nil)
    }
}

@Suite("The reader's language")
struct LanguageTests {
    @Test("Accept-Language picks the best of zh and en by weight; other languages and * leave the default")
    func acceptLanguage() {
        #expect(Language(acceptLanguage: "zh-CN") == .zh)
        #expect(Language(acceptLanguage: "zh-Hans-CN,zh;q=0.9,en;q=0.8") == .zh)
        #expect(Language(acceptLanguage: "en-US,en;q=0.9,zh-CN;q=0.8") == .en)
        #expect(Language(acceptLanguage: "fr-FR, en;q=0.5, zh;q=0.7") == .zh)
        #expect(Language(acceptLanguage: "zh;q=0, en") == .en)
        #expect(Language(acceptLanguage: "de, fr") == nil)
        #expect(Language(acceptLanguage: "*") == nil)
        #expect(Language(acceptLanguage: "") == nil)
        #expect(Language(acceptLanguage: ";;,q=,zh-TW;q=abc") == nil)   // a weight that is no number is 0
    }

    @Test("the locale's language: LC_ALL before LC_MESSAGES before LANG; nothing set or C reads English")
    func locale() {
        #expect(Language.fromLocale(["LANG": "zh_CN.UTF-8"]) == .zh)
        #expect(Language.fromLocale(["LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"]) == .en)
        #expect(Language.fromLocale(["LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"]) == .zh)
        #expect(Language.fromLocale(["LANG": "C.UTF-8"]) == .en)
        #expect(Language.fromLocale(["LC_ALL": "", "LANG": "zh_CN"]) == .zh)
        #expect(Language.fromLocale([:]) == .en)
    }

    @Test("intervals and inspection kinds in Chinese")
    func chineseWords() throws {
        #expect(Interval(parsing: "30d")?.chinese == "30 天")
        #expect(Interval(parsing: "2w")?.chinese == "2 周")
        #expect(Interval(parsing: "90m")?.chinese == "90 分钟")
        #expect(Interval(milliseconds: 1500).chinese == "1500 毫秒")
        let reason = MustNotUseReason.overdue(kind: "periodic", due: Day(year: 2026, month: 5, day: 1)!)
        #expect(reason.chinese { $0 == "periodic" ? "定期检验" : $0 } == "定期检验逾期：应于 2026-05-01 前完成，自 2026-05-02 起禁止使用")
    }
}
