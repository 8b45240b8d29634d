import Domain
import Foundation

/// How long raw readings stay, and which of them stay longer as an incident's evidence (SPEC §14).
/// The defaults are those of SPEC §14; `equipwatch.yaml`'s `retention:` sets them.
public struct RetentionPolicy: Sendable, Equatable {
    /// Raw readings older than this are replaced by hourly aggregates.
    public var rawMs: Int64 = 30 * 86_400_000
    /// Readings this long before and after an incident opened are kept with it as evidence.
    public var evidenceBeforeMs: Int64 = 600_000
    public var evidenceAfterMs: Int64 = 600_000
    /// Readings handled per transaction: small, so ingest's commits are never held up for long.
    public var chunk = 1000
    /// Dead letters older than this are deleted (a flood of rejected messages cannot fill the disk).
    public var deadLettersMs: Int64 = 30 * 86_400_000

    public init() {}
}

/// What one pruning step did.
public struct PruneResult: Sendable, Equatable {
    /// Raw readings removed (each first counted into its hour's aggregates).
    public var pruned = 0
    /// Of those, copied to `incident_evidence` first (a reading can be evidence of two incidents).
    public var evidence = 0
    /// Of those, whose stored data no longer parsed as JSON, so they add to no aggregate. The
    /// pipeline only stores validated JSON; a hand-edited row is the only way here. Logged.
    public var unreadable = 0
    /// Dead letters older than their retention, deleted.
    public var deadLetters = 0
    public init() {}
    /// The counts of two passes added.
    public static func + (a: PruneResult, b: PruneResult) -> PruneResult {
        var r = a
        r.pruned += b.pruned
        r.deadLetters += b.deadLetters
        r.evidence += b.evidence
        r.unreadable += b.unreadable
        return r
    }
}

/// One table's size and age (`equipwatch store stats`).
public struct TableStatItem: ResponseRow, Equatable {
    public var table: String
    public var rows: Int64
    public var bytes: Int64?
    public var oldest: Instant?
    public var newest: Instant?
    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable { case table, rows, bytes, oldest, newest }

    public init(table: String, rows: Int64, bytes: Int64? = nil, oldest: Instant? = nil, newest: Instant? = nil) {
        (self.table, self.rows, self.bytes, self.oldest, self.newest) = (table, rows, bytes, oldest, newest)
    }
}
