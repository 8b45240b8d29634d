/// A sentence for people, decided once when its event happens: what it says as a stable code
/// with the values behind it (for machines and for rendering in further languages), and its
/// text in English and in Chinese.
///
/// Both texts are rendered at the moment of the decision, from the same values, so what a reader
/// sees is what was true then whichever language they read; the store keeps the code, the
/// parameters and both texts. The English text stays what MQTT consumers have always received.
public struct Prose: Sendable, Equatable {
    /// The event or reason code.
    public let code: ProseCode
    /// The values the sentence names, in order: `[("kind", "periodic"), ("due", "2026-05-01")]`.
    public let parameters: [Parameter]
    public let en: String
    public let zh: String

    /// A named value a sentence was made from (a device, a deadline), kept for programs.
    public struct Parameter: Sendable, Equatable {
        /// The display name.
        public let name: String
        /// The value.
        public let value: String
        public init(_ name: String, _ value: String) { (self.name, self.value) = (name, value) }
    }

    public init(_ code: ProseCode, _ parameters: [(String, String)] = [], en: String, zh: String) {
        self.code = code
        self.parameters = parameters.map { Parameter($0.0, $0.1) }
        (self.en, self.zh) = (en, zh)
    }

    /// The text in `language`.
    public func text(_ language: Language) -> String { language == .zh ? zh : en }

    /// The parameters as a JSON object, as stored beside the code.
    public var parametersJSON: String {
        var w = JSONWriter()
        for p in parameters { w.add(p.name, .string(p.value)) }
        return w.finish()
    }
}

/// What a sentence says, whatever its language: the closed list of notice reasons.
public enum ProseCode: String, Sendable, CaseIterable {
    /// Maintenance due by the calendar (fixed or on-demand regime).
    case maintenanceCalendar = "maintenance.calendar"
    /// Maintenance due: a usage counter reached its threshold.
    case maintenanceUsage = "maintenance.usage"
    /// Maintenance due: repeated faults.
    case maintenanceFaults = "maintenance.faults"
    /// Maintenance due by its date and not reported done.
    case maintenanceOverdue = "maintenance.overdue"
    /// An item tier (TSG T5002-2017) due, or overdue.
    case tierDue = "maintenance.tier_due"
    case tierOverdue = "maintenance.tier_overdue"
    /// On-demand eligibility lapsed, or regained.
    case regimeFixed = "maintenance.regime_fixed"
    case regimeOnDemand = "maintenance.regime_on_demand"
    /// A rule with a maintenance follow-up fired; `hazard` when it is a major hazard.
    case faultFollowup = "alarm.followup"
    case hazardFollowup = "alarm.hazard"
    /// Passengers trapped: the rescue deadline.
    case rescue = "alarm.rescue"
    /// The device must not be used (an inspection overdue or failed, grade, major hazard).
    case mustNotUse = "compliance.must_not_use"
    /// A statutory inspection falls due: the owner applies for it.
    case inspectionDue = "compliance.inspection_due"
    /// The risk grade turned red.
    case riskRed = "risk.red"
    /// A cylinder filled although it must not have been.
    case fillRefused = "fill.refused"
    /// A cylinder filled by someone without a valid filler's certificate.
    case fillerUncertified = "fill.filler_uncertified"
}
