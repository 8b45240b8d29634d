import Domain

/// What the evidence chain covers: incident timeline entries, the readings kept as incident
/// evidence, and accident records (each version: an accident changes as it is investigated).
public enum AuditSource: String, Sendable, Codable, CaseIterable {
    case timeline, evidence, accident

    /// The row's columns whose values an entry covers, in order (both engines select these).
    public var columns: [String] {
        switch self {
        case .timeline: ["id", "incident_id", "at", "kind", "detail"]
        case .evidence: ["incident_id", "reading_id", "device_num", "ts", "seq", "received_at", "data"]
        case .accident: ["id", "device_num", "occurred_at", "place", "deaths", "serious_injuries", "loss_cny", "special_case", "summary", "class",
                         "status", "report_due_at", "reported_at", "reported_by", "alarm_id", "incident_id", "cause", "findings", "recorded_by",
                         "recorded_at", "updated_at"]
        }
    }

    /// The table the rows are in.
    public var table: String {
        switch self { case .timeline: "incident_timeline"; case .evidence: "incident_evidence"; case .accident: "accidents" }
    }

    /// The order rows are sealed in.
    public var order: String {
        switch self { case .timeline: "id"; case .evidence: "incident_id, reading_id"; case .accident: "id" }
    }

    /// A row's reference from its values (in `columns` order): the timeline id, `incident:reading`,
    /// `id@updated_at` (an accident's version).
    public func ref(_ values: [String?]) -> String {
        switch self {
        case .timeline: values[0] ?? ""
        case .evidence: "\(values[0] ?? ""):\(values[1] ?? "")"
        case .accident: "\(values[0] ?? "")@\(values.last.flatMap { $0 } ?? "")"
        }
    }

    /// Timeline entries and evidence are written once; an accident is chained at each version.
    public var appendOnly: Bool { self != .accident }
}

/// A row as the chain sees it: its source, its reference (`timeline` id, `incident:reading` for
/// evidence, `id@updated_at` for an accident's version), its values as text, and the chain entry
/// that sealed it (nil: not sealed yet).
public struct AuditRow: Sendable, Equatable {
    public let source: AuditSource
    public let ref: String
    public let values: [String?]
    public let sealedBy: Int64?
    public init(source: AuditSource, ref: String, values: [String?], sealedBy: Int64?) {
        (self.source, self.ref, self.values, self.sealedBy) = (source, ref, values, sealedBy)
    }

    /// The row's key within its source: the timeline id, `incident:reading`, the accident id.
    public var key: String { source == .accident ? String(ref.prefix { $0 != "@" }) : ref }
}

/// One entry of the chain.
public struct AuditEntry: ResponseRow, Decodable, Equatable {
    public var seq: Int64
    public var source: AuditSource
    public var ref: String
    public var contentHash: String
    public var prevHash: String
    public var hash: String
    public var sealedAt: Instant

    public init(seq: Int64, source: AuditSource, ref: String, contentHash: String, prevHash: String, hash: String, sealedAt: Int64) {
        (self.seq, self.source, self.ref, self.contentHash, self.prevHash, self.hash) = (seq, source, ref, contentHash, prevHash, hash)
        self.sealedAt = Instant(millis: sealedAt)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case seq, source, ref, contentHash = "content_hash", prevHash = "prev_hash", hash, sealedAt = "sealed_at"
    }
}

/// The chain's head as it stood at the end of a day (local), recorded by the last seal of the day.
public struct AuditHead: ResponseRow, Decodable, Equatable {
    public var day: String
    public var seq: Int64
    public var hash: String
    public var at: Instant
    public init(day: String, seq: Int64, hash: String, at: Int64) { (self.day, self.seq, self.hash, self.at) = (day, seq, hash, Instant(millis: at)) }
    public enum CodingKeys: String, CodingKey, CaseIterable { case day, seq, hash, at }
}

/// What a store keeps of the evidence chain (part of `Store`; both engines implement it).
public protocol AuditStore: AnyObject, Sendable {
    /// The chain's last entry (nil: empty).
    func auditTip() throws(StoreError) -> AuditEntry?

    /// Rows of every source not sealed yet, at most `limit`, in a stable order.
    func unsealedAuditRows(limit: Int) throws(StoreError) -> [AuditRow]

    /// Appends `entries` (continuing the chain after `tip`), marks each row sealed by its entry
    /// (an accident only if it is still the version chained), and records `head` as its day's,
    /// in one transaction. False, writing nothing, when the chain's tip is no longer `tip`.
    func appendAudit(_ entries: [AuditEntry], rows: [AuditRow], after tip: Int64, head: AuditHead) throws(StoreError) -> Bool

    /// Chain entries with `seq` above `after`, oldest first.
    func auditEntries(after: Int64, limit: Int) throws(StoreError) -> [AuditEntry]

    /// The current rows of `source` sealed by entries in [fromSeq, toSeq], or not sealed at all.
    func auditRows(_ source: AuditSource, sealedFrom fromSeq: Int64, to toSeq: Int64) throws(StoreError) -> [AuditRow]

    /// The current rows of one incident: its timeline, its evidence, its accidents.
    func auditRows(incident: Int64) throws(StoreError) -> [AuditRow]

    /// The recorded daily heads, oldest first.
    func auditHeads() throws(StoreError) -> [AuditHead]
}
