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
/// the keys and mappings for which that could make a difference get Yams's default resolver back
/// (`Restorer`):
///
/// - a plain key that may be something else (`yes`, `1`, `~`, `<<`) is made untagged and
///   default-resolved again, and its mapping looks keys up with the default resolver, as before;
/// - a mapping whose keys are all strings looks keys up as strings: any key equal to one of its
///   keys is a string under either resolver, so what a look-up finds does not change.
///
/// Two differences remain, both in files nobody writes: a plain key with an explicit tag that may
/// be something else (`!!str 10: x`) loses its tag, and two keys that differ only in quoting
/// (`1:` and `"1":`) are reported as duplicates.
enum SettledTags {
    static func parse(_ text: String) throws -> Node? {
        guard var root = try Yams.compose(yaml: text, .basic) else { return nil }
        _ = Restorer().restore(&root)
        return root
    }

    /// Gives keys and mappings the default resolver back where it matters, changing only what
    /// must change: a typical file's tree (string keys throughout) is read, not copied.
    private struct Restorer {
        /// Returns true when it changed `node`.
        func restore(_ node: inout Node) -> Bool {
            if var m = node.mapping {
                var changed = false
                var keysAreStrings = true
                for i in m.indices {
                    var (key, value) = m[i]
                    var pairChanged = false
                    if var k = key.scalar {
                        if !isString(k.string) {
                            keysAreStrings = false
                            // Resolved as a string while parsing; resolve it as Yams does by default.
                            if k.style == .plain {
                                k.tag = k.tag.copy(with: .implicit, resolver: .default)
                                key = .scalar(k)
                                pairChanged = true
                            }
                        }
                    } else {
                        keysAreStrings = false
                        pairChanged = restore(&key)
                    }
                    if restore(&value) { pairChanged = true }
                    if pairChanged {
                        m[i] = (key, value)
                        changed = true
                    }
                }
                if !keysAreStrings {
                    m.tag = m.tag.copy(resolver: .default)
                    changed = true
                }
                if changed { node = .mapping(m) }
                return changed
            }
            if var q = node.sequence {
                var changed = false
                for i in q.indices {
                    var element = q[i]
                    if restore(&element) {
                        q[i] = element
                        changed = true
                    }
                }
                if changed { node = .sequence(q) }
                return changed
            }
            // A value's type is found by Yams's constructors from its text (`Int.construct`,
            // `NSNull.construct`...), not by its resolver, and `Bool.construct` refuses only a
            // scalar already resolved as a string, which a value read with `Resolver.basic` never
            // is (values are not resolved while parsing). So values keep their tags.
            return false
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
