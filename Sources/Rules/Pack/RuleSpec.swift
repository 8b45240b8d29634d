import Domain
import Source
import DeviceCatalog

/// One rule as written in a `Rules/*.yaml` pack (SPEC §5), before compilation.
public struct RuleSpec: Sendable {
    public let id: String
    /// A device type id, or `*` for every type.
    public let type: String
    /// Rules of one family share one open alarm per device: a critical rule firing while its
    /// family's warning alarm is open escalates that alarm instead of opening a second one.
    public let family: String
    public let description: String?
    public let when: Located
    let forMs: Int64
    let clearWhen: Located?
    let clearForMs: Int64
    public let severity: Severity
    public let incident: Bool
    /// A follow-up maintenance notice raised when the alarm fires (consumed by the planner).
    public let maintenance: Followup?
    /// Passengers are trapped (SPEC §12): firing starts the rescue clock (a `rescue` notice to
    /// the firm with the deadline of the device's type and site; escalation when it passes).
    public let rescue: Bool
    /// A major hazard (GB 45067-2024): firing makes the device must-not-use until the hazard is
    /// closed (销号): the firm rectifies it (the rule's `maintenance` follow-up asks for that),
    /// the owner confirms, and an inspection body or the supervisor verifies and closes it.
    public let hazard: Bool
    public let message: Located
    /// The message in Chinese (`message_zh`), with the same placeholders; without it, readers in
    /// Chinese get the English message.
    public let messageZh: Located?
    public let file: String
    public let line: Int

    /// The maintenance a rule asks for when it fires: the deadline and the reason in both
    /// languages.
    public struct Followup: Sendable, Hashable {
        public let deadlineMs: Int64
        public let reason: String?
        /// The reason in Chinese (`reason_zh`).
        public let reasonZh: String?
    }
}

/// A piece of text from a rule file with what is needed to turn an offset within it into a
/// line and column of the file.
public struct Located: Sendable {
    public let text: String
    let file: String
    let line: Int
    let column: Int
    /// Block scalars (`|`, `>`) start on the line after their indicator.
    let block: Bool
    let quoted: Bool
    let lines: [Substring]

    /// The file position of character `offset` of `text`.
    func position(of offset: Int) -> (line: Int, column: Int) {
        let prefix = text.prefix(offset)
        let newlines = prefix.filter { $0 == "\n" }.count
        let col = prefix.count - (prefix.lastIndex(of: "\n").map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0)
        if block {
            let line = line + 1 + newlines
            let indent = line - 1 < lines.count ? lines[line - 1].prefix { $0 == " " }.count : 0
            return (line, indent + col + 1)
        }
        if newlines == 0 { return (line, column + col + (quoted ? 1 : 0)) }
        return (line + newlines, col + 1)
    }

    func error(_ e: ExpressionError, in what: String) -> SourceError {
        let p = position(of: e.offset)
        return SourceError(file: file, line: p.line, column: p.column, reason: "\(what): \(e.reason)")
    }
}

/// The version of a pack file: a content hash recorded with every alarm it raises, so an alarm
/// always says which text of the rule produced it.
public struct PackInfo: Sendable, Hashable {
    public let file: String
    public let hash: String
    public let rules: Int
    /// The file's text, stored by hash so an alarm's pack version can always be read back.
    public let content: String
}
