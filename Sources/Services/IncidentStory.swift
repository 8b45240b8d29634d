import Domain
import Records

/// An incident told the way a supervisor asks for it: what happened, in words (English and
/// Chinese), each step with how long after the alarm it came, and for a trapped passenger the
/// rescue deadline in its place: raised → deadline → on site after 3 min 20 s → resolved.
///
/// Pure: it reads the incident, its stored timeline and its rescue clock (if any) and says no
/// absolute time itself; a reader shows `at` in its own zone.
public struct IncidentStory: Sendable, Equatable {
    /// One step of the story.
    public struct Line: Sendable, Equatable {
        /// When (epoch ms; for the deadline, when it falls).
        public var at: Int64
        /// Milliseconds after the alarm fired.
        public var afterMs: Int64
        /// The timeline's kind (`opened`, `on_site`...; `rescue_deadline` for the deadline).
        public var kind: String
        public var en: String
        public var zh: String
        /// Not yet happened (the deadline of a rescue still running).
        public var ahead: Bool
    }

    /// The trapped passengers' rescue clock, when the incident has one.
    public struct Rescue: Sendable, Equatable {
        public var deadlineAt: Int64
        public var withinMinutes: Int64
        public var onSiteAt: Int64?
        public var onSiteBy: String?
        public var resolvedAt: Int64?
    }

    public var firm: String?
    public var rescue: Rescue?
    public var lines: [Line]

    /// The story of `incident` from its `timeline` (stored order) and its rescue clock.
    public static func tell(_ incident: IncidentItem, timeline: [TimelineItem], rescue: RescueRow?, now: Int64) -> IncidentStory {
        let start = incident.openedAt.millis
        var firm: String?
        var lines: [Line] = []
        func line(_ at: Int64, _ kind: String, _ en: String, _ zh: String, ahead: Bool = false) {
            lines.append(Line(at: at, afterMs: at - start, kind: kind, en: en, zh: zh, ahead: ahead))
        }
        let clock = rescue.map { r in
            Rescue(deadlineAt: r.firedAt + r.withinMs, withinMinutes: r.withinMs / 60_000, onSiteAt: r.onSiteAt, onSiteBy: r.onSiteBy,
                   resolvedAt: r.resolvedAt)
        }
        for entry in timeline {
            let at = entry.at.millis
            let detail = (try? JSONReader.parse(Array(entry.detail.text.utf8))) ?? .null
            func text(_ key: String) -> String? { if case .string(let s)? = detail[key] { s } else { nil } }
            if firm == nil { firm = text("firm") }
            let after = Words.duration(at - start)
            switch entry.kind {
            case "opened", "raised":
                let severity = text("severity").flatMap(Severity.init(rawValue:)) ?? incident.severity
                let message = text("message") ?? incident.title
                line(at, entry.kind, "Alarm raised (\(severity.rawValue)): \(message)",
                     "告警（\(Words.severity(severity))）：\(text("message_zh") ?? message)")
            case "escalated":
                let severity = text("severity").flatMap(Severity.init(rawValue:)) ?? incident.severity
                line(at, entry.kind, "Escalated to \(severity.rawValue), \(after.en) after the alarm",
                     "告警后\(after.zh)升级为\(Words.severity(severity))")
            case "acknowledged":
                let by = text("acked_by") ?? "?"
                line(at, entry.kind, "Acknowledged by \(by), \(after.en) after the alarm", "\(by) 在告警后\(after.zh)确认")
            case "on_site":
                let by = text("on_site_by") ?? clock?.onSiteBy ?? "?"
                var en = "\(by) on site, \(after.en) after the alarm", zh = "\(by) 到达现场，告警后\(after.zh)"
                if let clock {
                    let late = at - clock.deadlineAt
                    if late <= 0 { en += ", within the \(clock.withinMinutes) min deadline"; zh += "，在 \(clock.withinMinutes) 分钟时限内" }
                    else { let l = Words.duration(late); en += ", \(l.en) past the deadline"; zh += "，超过时限\(l.zh)" }
                }
                line(at, entry.kind, en, zh)
            case "rescue_deadline_missed":
                line(at, entry.kind, "Nobody on site by the deadline: escalated to the supervisor", "时限已到仍无人到场：已升级至监管")
            case "resolved":
                line(at, entry.kind, "Resolved, \(after.en) after the alarm", "告警后\(after.zh)解除")
            case "accident_proposed":
                line(at, entry.kind, "Passengers held for \(after.en): proposed as an accident, to be reported by the owner",
                     "困人已\(after.zh)：建议作为事故，由使用单位报告")
            default:
                line(at, entry.kind, String(entry.kind.map { $0 == "_" ? " " : $0 }), entry.kind)
            }
        }
        if let clock {
            let reached = [clock.onSiteAt, clock.resolvedAt].compactMap { $0 }.min()
            let ahead = reached == nil && now < clock.deadlineAt
            line(clock.deadlineAt, "rescue_deadline",
                 "Rescue deadline: on site within \(clock.withinMinutes) min of the alarm" + (ahead ? " (still running)" : ""),
                 "救援时限：告警后 \(clock.withinMinutes) 分钟内到场" + (ahead ? "（计时中）" : ""), ahead: ahead)
        }
        // In time order; at the same moment, the stored order (the deadline after what it awaited).
        let ordered = lines.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return IncidentStory(firm: firm, rescue: clock, lines: ordered)
    }
}

/// Durations and vocabulary in words, English and Chinese.
public enum Words {
    /// "3 min 20 s" / "3分20秒"; "2 h 5 min" / "2小时5分"; "45 s" / "45秒"; "3 d 4 h" / "3天4小时".
    public static func duration(_ ms: Int64) -> (en: String, zh: String) {
        let s = max(0, ms) / 1000
        let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60)
        if d > 0 { return h > 0 ? ("\(d) d \(h) h", "\(d)天\(h)小时") : ("\(d) d", "\(d)天") }
        if h > 0 { return m > 0 ? ("\(h) h \(m) min", "\(h)小时\(m)分") : ("\(h) h", "\(h)小时") }
        if m > 0 { return sec > 0 ? ("\(m) min \(sec) s", "\(m)分\(sec)秒") : ("\(m) min", "\(m)分钟") }
        return ("\(sec) s", "\(sec)秒")
    }

    /// The console's names of the severities (严重, 重要, 警告, 提示).
    public static func severity(_ s: Severity) -> String {
        switch s {
        case .critical: "严重"
        case .major: "重要"
        case .warning: "警告"
        case .info: "提示"
        }
    }
}

/// A line of an incident's story as the API and the CLI give it.
public struct StoryLineItem: ResponseRow, Equatable {
    /// When (for the deadline, when it falls).
    public var at: Instant
    /// Seconds after the alarm fired.
    public var afterS: Int64
    /// The timeline's kind (`rescue_deadline` for the deadline).
    public var kind: String
    /// The step in words, English and Chinese.
    public var text: String
    public var textZh: String
    /// Not yet happened (the deadline of a rescue still running).
    public var ahead: Bool

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case at, afterS = "after_s", kind, text, textZh = "text_zh", ahead
    }

    public init(_ line: IncidentStory.Line) {
        (at, afterS, kind, text, textZh, ahead) = (Instant(millis: line.at), line.afterMs / 1000, line.kind, line.en, line.zh, line.ahead)
    }
}

/// An incident's rescue clock (trapped passengers) as the API and the CLI give it.
public struct RescueClockItem: ResponseRow, Equatable {
    /// The maintenance firm that must be on site.
    public var firm: String?
    public var deadlineAt: Instant
    public var withinMin: Int64
    public var onSiteAt: Instant?
    public var onSiteBy: String?
    public var resolvedAt: Instant?

    /// The columns, in answer order: the JSON keys, the CSV header and the table's headings.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case firm, deadlineAt = "deadline_at", withinMin = "within_min", onSiteAt = "on_site_at", onSiteBy = "on_site_by"
        case resolvedAt = "resolved_at"
    }

    public init(_ story: IncidentStory, _ r: IncidentStory.Rescue) {
        (firm, deadlineAt, withinMin) = (story.firm, Instant(millis: r.deadlineAt), r.withinMinutes)
        (onSiteAt, onSiteBy, resolvedAt) = (r.onSiteAt.map(Instant.init(millis:)), r.onSiteBy, r.resolvedAt.map(Instant.init(millis:)))
    }
}

extension IncidentStory {
    /// The story of incident `id` from `store`, within `scope`; nil when there is no such incident there.
    public static func read(_ id: Int64, store: any Store, scope: Role, language: Language, now: Int64)
        throws -> (incident: IncidentItem, timeline: [TimelineItem], story: IncidentStory)? {
        var f = AlarmFilter()
        f.id = id
        f.scope = scope
        f.language = language
        guard let incident = try store.incidents(f).first, let timeline = try store.incidentTimeline(id) else { return nil }
        let opened = incident.openedAt.millis
        let rescue = try store.rescues(from: opened - 86_400_000, to: opened + 86_400_000, scope: scope).first { $0.alarmId == incident.alarm }
        return (incident, timeline, tell(incident, timeline: timeline, rescue: rescue, now: now))
    }
}
