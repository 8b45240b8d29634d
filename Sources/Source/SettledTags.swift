import Yams

/// YAML parsed without running Yams's regular expressions on scalars that can only be strings.
///
/// Yams finds a plain scalar's type (bool, int, float, null, timestamp...) with up to seven
/// regular expressions (`Resolver.default`). It does so for every mapping key while parsing (to
/// find duplicate keys) and again for every key a decoder looks up, since the looked-up key is a
/// new scalar. For a 100 k-device fleet file that was tens of millions of ICU matches: most of a
/// 25 s parse. But those expressions match only 24 words (`yes`, `off`, `null`, `~`, `<<`...),
/// the empty text, and texts that begin with a digit, `+`, `-` or `.`: anything else is a
/// string under every rule.
///
/// So the file is parsed with `Resolver.basic` (every untagged plain scalar a string), and then
/// the scalars and mappings for which that could make a difference get Yams's default resolver
/// back (`restore`):
///
/// - an untagged plain value that may be something else (`yes`, `1350`, `2026-07-03`, `~`, `<<`)
///   is resolved by the default rules, lazily, as before;
/// - a plain key that may be something else is made untagged and default-resolved again, and its
///   mapping looks keys up with the default resolver, as before;
/// - a mapping whose keys are all strings looks keys up as strings: any key equal to one of its
///   keys is a string under either resolver, so what a look-up finds does not change.
///
/// Two differences remain, both in files nobody writes: a plain key with an explicit tag that may
/// be something else (`!!str 10: x`) loses its tag, and two keys that differ only in quoting
/// (`1:` and `"1":`) are reported as duplicates.
enum SettledTags {
    static func parse(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, .basic).map { restore($0, implicit: Tag(.implicit)) }
    }

    private static func restore(_ node: Node, implicit: Tag) -> Node {
        switch node {
        case .scalar(var s):
            if s.style == .plain, s.tag == implicit, !isString(s.string) { s.tag = s.tag.copy(resolver: .default) }
            return .scalar(s)
        case .mapping(var m):
            var keysAreStrings = true
            for i in m.indices {
                var (key, value) = m[i]
                if case .scalar(var k) = key {
                    if !isString(k.string) {
                        keysAreStrings = false
                        // Resolved as a string while parsing; resolve it as Yams does by default.
                        if k.style == .plain { k.tag = k.tag.copy(with: .implicit, resolver: .default) }
                        key = .scalar(k)
                    }
                } else {
                    keysAreStrings = false
                    key = restore(key, implicit: implicit)
                }
                m[i] = (key, restore(value, implicit: implicit))
            }
            if !keysAreStrings { m.tag = m.tag.copy(resolver: .default) }
            return .mapping(m)
        case .sequence(var q):
            for i in q.indices { q[i] = restore(q[i], implicit: implicit) }
            return .sequence(q)
        case .alias:
            return node
        }
    }

    /// True when no rule of `Resolver.default` can match `text`: it is none of the words the
    /// bool, null, merge and value rules match, and does not begin as a number or date can.
    static func isString(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }  // "" is null
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return false  // int, float (.inf, .nan), timestamp
        default:
            return !ruleWords.contains(text)
        }
    }

    /// Every text the bool, null, merge and value rules match (besides "").
    private static let ruleWords: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "<<", "=",
    ]
}
