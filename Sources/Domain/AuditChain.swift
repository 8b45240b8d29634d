/// The evidence chain: incident timelines, the readings kept as incident evidence and accident
/// records, each row's content hashed and linked into one hash chain (each entry's hash covers
/// the one before), so that a row edited afterwards, or the chain itself, no longer matches.
/// Pure: rows in, entries and findings out. Anyone holding the entries and the rows can check it
/// again (`audit export` writes both, with a script that does).
public enum AuditChain {
    /// The `prev_hash` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// A row's content: its values in their source's column order as a JSON array of strings and
    /// nulls (numbers as their decimal text), unambiguous whatever the values hold.
    public static func content(_ values: [String?]) -> String {
        var out = "["
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            if let v { JSONWriter.quote(v, into: &out) } else { out += "null" }
        }
        return out + "]"
    }

    public static func contentHash(_ values: [String?]) -> String { SHA256.hex(Array(content(values).utf8)) }

    /// An entry's hash: over the previous hash, the source, the row's reference and its content hash.
    public static func link(prev: String, source: String, ref: String, contentHash: String) -> String {
        SHA256.hex(Array("\(prev)\n\(source)\n\(ref)\n\(contentHash)".utf8))
    }
}
