import Foundation

/// The languages EquipWatch writes for people: Chinese for its users in China, English beside it
/// (for MQTT consumers that rely on the English text, and for readers who ask for it).
///
/// Sentences are decided once, when their event happens, in both languages (`Prose`); a reader's
/// language only chooses which one to show: `Accept-Language` on the API, `--lang` (default from
/// `LANG`) on the command line, the language switch in the console.
public enum Language: String, Sendable, CaseIterable, Codable {
    case en, zh

    /// The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4): the tags
    /// by descending weight, the first that is `zh…` or `en…`; nil when none is (the caller
    /// then keeps its default). `*` picks nothing: any language is acceptable, so the default is.
    public init?(acceptLanguage header: String) {
        var best: (language: Language, q: Double, order: Int)?
        for (order, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.lowercased().hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            guard q > 0, let language = Language(tag: tag) else { continue }
            if best == nil || q > best!.q { best = (language, q, order) }
        }
        guard let best else { return nil }
        self = best.language
    }

    /// `zh`, `zh-CN`, `zh-Hans-CN`, `en`, `en-US`...; nil for other languages.
    public init?(tag: String) {
        let primary = tag.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        switch primary {
        case "zh": self = .zh
        case "en": self = .en
        default: return nil
        }
    }

    /// From the POSIX locale variables, in their order of precedence (`LC_ALL`, `LC_MESSAGES`,
    /// `LANG`): `zh_CN.UTF-8` reads Chinese; anything else, or nothing set, reads English
    /// (a terminal that has no Chinese locale may not show Chinese well).
    public static func fromLocale(_ environment: [String: String]) -> Language {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            return Language(tag: value) ?? .en
        }
        return .en
    }

    /// The `Content-Language` of an answer in this language.
    public var contentLanguage: String { self == .zh ? "zh-CN" : "en" }
}

extension Interval {
    /// The interval in Chinese: `30 天`, `2 小时`, `45 秒`.
    public var chinese: String {
        let ms = milliseconds
        for (unit, f) in [("周", Int64(604_800_000)), ("天", 86_400_000), ("小时", 3_600_000), ("分钟", 60_000), ("秒", 1000)]
        where ms != 0 && ms % f == 0 { return "\(ms / f) \(unit)" }
        return "\(ms) 毫秒"
    }
}
