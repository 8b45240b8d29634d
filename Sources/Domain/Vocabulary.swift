/// The closed vocabularies every layer speaks: severities, risk grades, alarm and notice states.
/// Raw values are what the store keeps, the CLI prints and the API serves.

/// Alarm severities, in rising order; escalation within a family only ever moves up.
public enum Severity: String, Sendable, Comparable, CaseIterable, Codable {
    case info, warning, major, critical

    public var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// The four risk levels (风险分级), lowest first.
public enum Grade: String, Sendable, Codable, CaseIterable, Comparable {
    case blue, yellow, orange, red

    public static func < (a: Grade, b: Grade) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Where a notice stands: sent, acknowledged by the firm, or closed by a completed maintenance.
public enum NoticeStatus: String, Sendable, Codable, CaseIterable {
    case open, acked, closed
}

/// Whether an incident still needs attention.
public enum IncidentStatus: String, Sendable, Codable, CaseIterable {
    case open, resolved
}

/// The alarm states a query can ask for: one lifecycle state, or `open` (pending or firing).
public enum AlarmStateFilter: String, Sendable, Codable, CaseIterable {
    case pending, firing, resolved, open
}
