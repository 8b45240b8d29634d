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

/// The steps of a major hazard's closure (销号, GB 45067-2024), in the order the regulator
/// expects them: the firm reports the rectification naming the hazard, the owner (使用单位)
/// confirms it, and an inspection body or the supervisor verifies on site and closes it. Only
/// `closed` lifts the hazard's "must not be used"; a supervisor may close whatever steps are
/// recorded. `maintenance` marks a maintenance record that lifted the hazard under the rule
/// before closure existed (store schema v14 turned those back into open hazards).
public enum HazardStep: String, Sendable, Codable, CaseIterable {
    case rectified, confirmed, closed, maintenance

    /// Who may record this step: the device's firm, its owner, or a supervisor. A maintenance
    /// step is history only: nobody records one any more.
    public func isAllowed(for role: Role) -> Bool {
        switch (self, role) {
        case (.rectified, .firm), (.confirmed, .owner), (.closed, .supervisor): true
        default: false
        }
    }

    /// Who records it, in words, for errors ("only the device's firm reports a rectification").
    public var recordedBy: String {
        switch self {
        case .rectified: "the device's maintenance firm (a firm token)"
        case .confirmed: "the device's owner (an owner token)"
        case .closed: "a supervisor or inspection body (a supervisor token)"
        case .maintenance: "nobody (history of the rule before closure)"
        }
    }
}

/// Whether a major hazard still forbids use.
public enum HazardStatus: String, Sendable, Codable, CaseIterable {
    case open, closed
}

/// Why the pipeline itself was not receiving for a while (its own outage, not the devices'):
/// its broker connection was down, its store refused commits, or its own backlog held messages
/// back longer than `rules.outage_grace`.
public enum OutageCause: String, Sendable, Codable, CaseIterable {
    case broker, store, backlog
}
