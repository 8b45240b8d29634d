import Domain
import Records

/// The evidence chain's operations on a store (docs/operations.md, "Evidence"): sealing new rows
/// into the chain, verifying the chain and the rows it sealed, and the bundle an investigator
/// checks without the database.
public enum EvidenceAudit {
    /// Seals every row not sealed yet, `batch` rows per transaction; the entries' day head is
    /// recorded in the display zone's day of `now`. Returns how many entries were appended.
    @discardableResult
    public static func seal(_ store: any Store, now: Int64, batch: Int = 5000) throws -> Int {
        var total = 0
        var attempts = 0
        while true {
            let tip = try store.auditTip()
            let rows = try store.unsealedAuditRows(limit: batch)
            guard !rows.isEmpty else { return total }
            var prev = tip?.hash ?? AuditChain.genesis
            var seq = tip?.seq ?? 0
            let entries = rows.map { r -> AuditEntry in
                seq += 1
                let content = AuditChain.contentHash(r.values)
                let hash = AuditChain.link(prev: prev, source: r.source.rawValue, ref: r.ref, contentHash: content)
                defer { prev = hash }
                return AuditEntry(seq: seq, source: r.source, ref: r.ref, contentHash: content, prevHash: prev, hash: hash, sealedAt: now)
            }
            let head = AuditHead(day: store.localDays.day(now).description, seq: seq, hash: prev, at: now)
            if try store.appendAudit(entries, rows: rows, after: tip?.seq ?? 0, head: head) {
                total += entries.count
                attempts = 0
                if rows.count < batch { return total }
            } else {
                // Another sealer moved the tip: start again from the new one (bounded).
                attempts += 1
                if attempts > 5 { return total }
            }
        }
    }

    /// Something that does not match, at the chain entry that shows it.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public let seq: Int64
        public let source: AuditSource
        public let ref: String
        public let problem: String
        public var description: String { "entry \(seq) (\(source.rawValue) \(ref)): \(problem)" }
    }

    /// What a verification found.
    public struct Verification: Sendable {
        /// Entries whose links were checked, and rows compared with them.
        public var entries = 0
        public var rows = 0
        /// Rows not sealed yet (sealed at the next compliance check).
        public var pending = 0
        public var head: AuditEntry?
        /// Oldest entry first: the first is the first entry that does not match.
        public var findings: [Finding] = []

        /// `{"ok", "entries", "rows", "pending", "head", "head_seq", "findings": [...]}` (the CLI's
        /// `--json` and `GET /v1/audit`), at most `limit` findings.
        public func json(limit: Int = 1000) -> String {
            var w = JSONWriter()
            w.add("ok", .bool(findings.isEmpty))
            w.add("entries", Int64(entries))
            w.add("rows", Int64(rows))
            w.add("pending", Int64(pending))
            if let head {
                w.add("head", .string(head.hash))
                w.add("head_seq", head.seq)
            } else {
                w.add("head", raw: "null")
                w.add("head_seq", raw: "null")
            }
            var list = "["
            for (i, f) in findings.prefix(limit).enumerated() {
                var fw = JSONWriter()
                fw.add("seq", f.seq)
                fw.add("source", .string(f.source.rawValue))
                fw.add("ref", .string(f.ref))
                fw.add("problem", .string(f.problem))
                list += (i > 0 ? "," : "") + fw.finish()
            }
            w.add("findings", raw: list + "]")
            return w.finish()
        }
    }

    /// Recomputes the chain (every link) and compares every row sealed by an entry of
    /// [from, to) (sealed time, epoch ms; nil: all) with its entry.
    public static func verify(_ store: any Store, from: Int64? = nil, to: Int64? = nil) throws -> Verification {
        var v = Verification()
        var prev = AuditChain.genesis
        var last: Int64 = 0
        var inRange: [Int64: AuditEntry] = [:]
        var chainedRefs: [AuditSource: [String: Int64]] = [:]
        while true {
            let page = try store.auditEntries(after: last, limit: 10_000)
            guard !page.isEmpty else { break }
            for e in page {
                v.entries += 1
                if e.seq != last + 1 || e.prevHash != prev
                    || e.hash != AuditChain.link(prev: e.prevHash, source: e.source.rawValue, ref: e.ref, contentHash: e.contentHash) {
                    v.findings.append(Finding(seq: e.seq, source: e.source, ref: e.ref,
                                              problem: "the chain does not follow from the entry before (an entry was edited, removed or inserted)"))
                }
                (prev, last) = (e.hash, e.seq)
                v.head = e
                chainedRefs[e.source, default: [:]][e.ref] = e.seq
                if from.map({ e.sealedAt.millis >= $0 }) ?? true, to.map({ e.sealedAt.millis < $0 }) ?? true { inRange[e.seq] = e }
            }
        }
        // With no entry in range, 1...0 reads the rows not sealed yet only.
        let (low, high) = (inRange.keys.min() ?? 1, inRange.keys.max() ?? 0)
        do {
            for source in AuditSource.allCases {
                var present: Set<String> = []
                var presentKeys: Set<String> = []
                for row in try store.auditRows(source, sealedFrom: low, to: high) {
                    present.insert(row.ref)
                    presentKeys.insert(row.key)
                    let content = AuditChain.contentHash(row.values)
                    if let k = row.sealedBy {
                        v.rows += 1
                        guard let e = inRange[k] else { continue }
                        if e.source != source || e.ref != row.ref {
                            v.findings.append(Finding(seq: k, source: source, ref: row.ref, problem: "the row's key was changed after it was sealed as \(e.ref)"))
                        } else if e.contentHash != content {
                            v.findings.append(Finding(seq: k, source: source, ref: row.ref, problem: "the row was changed after it was sealed"))
                        }
                    } else if let k = chainedRefs[source]?[row.ref] {
                        // Sealed once, its mark since removed: compare with what was sealed.
                        if inRange[k]?.contentHash != content {
                            v.findings.append(Finding(seq: k, source: source, ref: row.ref, problem: "the row was changed and its seal removed"))
                        } else {
                            v.rows += 1
                        }
                    } else {
                        v.pending += 1
                    }
                }
                // Rows sealed in range that are gone: an accident's older versions are gone by design.
                for e in inRange.values where e.source == source {
                    let gone = source.appendOnly ? !present.contains(e.ref) : !presentKeys.contains(String(e.ref.prefix { $0 != "@" }))
                    if gone { v.findings.append(Finding(seq: e.seq, source: source, ref: e.ref, problem: "the row was deleted after it was sealed")) }
                }
            }
        }
        v.findings.sort { ($0.seq, $0.ref) < ($1.seq, $1.ref) }
        return v
    }
}

extension EvidenceAudit {
    /// The files of an incident's evidence bundle: its rows with their values and content hashes,
    /// every entry of the chain (hashes only: other rows' contents are not in it), the daily heads,
    /// a script that checks them (Python 3, no packages) and how to use it. nil when the incident
    /// has no rows.
    public static func bundle(_ store: any Store, incident: Int64) throws -> [(name: String, text: String)]? {
        let rows = try store.auditRows(incident: incident)
        guard !rows.isEmpty else { return nil }
        var rowLines = ""
        for r in rows {
            var w = JSONWriter()
            w.add("source", .string(r.source.rawValue))
            w.add("ref", .string(r.ref))
            w.add("columns", raw: AuditChain.content(r.source.columns))
            w.add("values", raw: AuditChain.content(r.values))
            w.add("content_hash", .string(AuditChain.contentHash(r.values)))
            if let s = r.sealedBy { w.add("sealed_by", s) }
            rowLines += w.finish() + "\n"
        }
        var chain = ""
        var last: Int64 = 0
        while true {
            let page = try store.auditEntries(after: last, limit: 10_000)
            guard let end = page.last else { break }
            for e in page {
                var w = JSONWriter()
                w.add("seq", e.seq)
                w.add("source", .string(e.source.rawValue))
                w.add("ref", .string(e.ref))
                w.add("content_hash", .string(e.contentHash))
                w.add("prev_hash", .string(e.prevHash))
                w.add("hash", .string(e.hash))
                w.add("sealed_at", .string(Timestamp.format(e.sealedAt.millis)))
                chain += w.finish() + "\n"
            }
            last = end.seq
        }
        var heads = ""
        for h in try store.auditHeads() {
            var w = JSONWriter()
            w.add("day", .string(h.day))
            w.add("seq", h.seq)
            w.add("hash", .string(h.hash))
            heads += w.finish() + "\n"
        }
        return [("rows.jsonl", rowLines), ("chain.jsonl", chain), ("heads.jsonl", heads), ("verify.py", verifyScript),
                ("README.txt", readme(incident: incident))]
    }

    static func readme(incident: Int64) -> String {
        """
        EquipWatch evidence bundle: incident \(incident)

        rows.jsonl   the incident's timeline entries, evidence readings and accident records: each
                     row's values (as text, in the order of "columns") and the SHA-256 of their
                     JSON array (content_hash); sealed_by is the chain entry that sealed the row.
        chain.jsonl  every entry of the evidence chain: hash = SHA-256(prev_hash "\\n" source "\\n"
                     ref "\\n" content_hash), prev_hash of the first is 64 zeros.
        heads.jsonl  the chain's head at the end of each day, as recorded then. Compare them with
                     copies kept elsewhere (the daily log line "evidence chain head", a report).

        python3 verify.py     checks every link of the chain, that each row's content hash is the
                              one its entry sealed, and that the heads are in the chain.
        Exit 0: everything matches; otherwise the first entry that does not match is named.

        """
    }

    /// The bundle's checker: plain Python 3, so an investigator needs neither EquipWatch nor its
    /// database.
    static let verifyScript = #"""
        #!/usr/bin/env python3
        # Checks an EquipWatch evidence bundle: the chain's links, each row against its entry, the heads.
        hashlib, json, sys, os = (__import__(name) for name in ("hashlib", "json", "sys", "os"))
        here = os.path.dirname(os.path.abspath(__file__))
        def lines(name):
            with open(os.path.join(here, name), encoding="utf-8") as f:
                return [json.loads(l) for l in f if l.strip()]
        def sha(text):
            return hashlib.sha256(text.encode("utf-8")).hexdigest()
        def quote(v):
            out = []
            for ch in v:
                if ch == '"': out.append('\\"')
                elif ch == "\\": out.append("\\\\")
                elif ch == "\n": out.append("\\n")
                elif ch == "\r": out.append("\\r")
                elif ch == "\t": out.append("\\t")
                elif ord(ch) < 0x20: out.append("\\u%04x" % ord(ch))
                else: out.append(ch)
            return '"' + "".join(out) + '"'
        def content(values):
            return "[" + ",".join("null" if v is None else quote(v) for v in values) + "]"
        chain, rows, heads = lines("chain.jsonl"), lines("rows.jsonl"), lines("heads.jsonl")
        problems = []
        prev, by_seq = "0" * 64, {}
        for i, e in enumerate(chain, 1):
            link = sha(e["prev_hash"] + "\n" + e["source"] + "\n" + e["ref"] + "\n" + e["content_hash"])
            if e["seq"] != i or e["prev_hash"] != prev or e["hash"] != link:
                problems.append(f"entry {e['seq']} ({e['source']} {e['ref']}): the chain does not follow from the entry before")
            prev, by_seq[e["seq"]] = e["hash"], e
        for r in rows:
            h = sha(content(r["values"]))
            if h != r["content_hash"]:
                problems.append(f"{r['source']} {r['ref']}: its values do not give its content_hash")
            e = by_seq.get(r.get("sealed_by"))
            if r.get("sealed_by") is None:
                print(f"note: {r['source']} {r['ref']} was not sealed yet when the bundle was written")
            elif e is None or e["ref"] != r["ref"] or e["content_hash"] != h:
                problems.append(f"entry {r['sealed_by']} ({r['source']} {r['ref']}): the row does not match what was sealed")
        for hd in heads:
            e = by_seq.get(hd["seq"])
            if e is None or e["hash"] != hd["hash"]:
                problems.append(f"head of {hd['day']} (entry {hd['seq']}): not in the chain")
        if problems:
            print("does not match:\n  " + "\n  ".join(sorted(problems, key=lambda p: p)))
            sys.exit(1)
        print(f"ok: {len(chain)} entries, {len(rows)} rows of the incident, {len(heads)} daily heads; head {prev}")
        """#
}
