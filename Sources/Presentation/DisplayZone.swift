import Domain
import Foundation

/// The time zone people read times in (SPEC: users are in China): tables and CSV show local
/// times with their offset; JSON keeps RFC 3339 (UTC) for programs.
public struct DisplayZone: Sendable, Equatable {
    /// The display name.
    public let name: String
    private let zone: TimeZone?
    /// Used when the system has no zone data for `name` (China: UTC+8 all year since 1991).
    private let fixedOffset: Int

    public static let shanghai = DisplayZone(name: "Asia/Shanghai", zone: TimeZone(identifier: "Asia/Shanghai"), fixedOffset: 8 * 3600)
    public static let utc = DisplayZone(name: "UTC", zone: TimeZone(identifier: "UTC"), fixedOffset: 0)

    private init(name: String, zone: TimeZone?, fixedOffset: Int) {
        (self.name, self.zone, self.fixedOffset) = (name, zone, fixedOffset)
    }

    /// A zone by IANA name (`Asia/Shanghai`, `Europe/Berlin`, `UTC`); nil for an unknown name.
    public init?(named name: String) {
        if name == "Asia/Shanghai" { self = .shanghai; return }
        guard let z = TimeZone(identifier: name) else { return nil }
        self.init(name: name, zone: z, fixedOffset: z.secondsFromGMT())
    }

    /// `--tz` if given, else `TZ` when it names a zone, else Asia/Shanghai.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> DisplayZone? {
        if let option { return DisplayZone(named: option) }
        if let tz = environment["TZ"], !tz.isEmpty, let z = DisplayZone(named: tz.hasPrefix(":") ? String(tz.dropFirst()) : tz) { return z }
        return .shanghai
    }

    public static func == (a: DisplayZone, b: DisplayZone) -> Bool { a.name == b.name }

    /// The days people in this zone count, at its offset now (a zone with daylight saving counts
    /// by today's offset; China has none).
    public var localDays: LocalDays {
        LocalDays(offsetMs: Int64(offsetSeconds(at: Int64(Date().timeIntervalSince1970 * 1000))) * 1000)
    }

    /// Seconds east of UTC at the instant `ms`.
    func offsetSeconds(at ms: Int64) -> Int {
        zone?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000)) ?? fixedOffset
    }

    /// `+08:00`
    func offsetText(at ms: Int64) -> String {
        let o = offsetSeconds(at: ms)
        let a = abs(o)
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return (o < 0 ? "-" : "+") + p2(a / 3600) + ":" + p2(a / 60 % 60)
    }

    /// For tables: `2026-11-26 09:00:00+08:00`.
    public func table(_ ms: Int64) -> String {
        let local = Timestamp.format(ms + Int64(offsetSeconds(at: ms)) * 1000)
        return String(local.prefix(10)) + " " + String(local.dropFirst(11).prefix(8)) + offsetText(at: ms)
    }

    /// For CSV: RFC 3339 with the local offset, `2026-11-26T09:00:00.000+08:00`.
    func rfc3339(_ ms: Int64) -> String {
        String(Timestamp.format(ms + Int64(offsetSeconds(at: ms)) * 1000).dropLast()) + offsetText(at: ms)
    }

    /// The instant a local calendar day begins (`--from 2026-11-26` means midnight here).
    public func midnight(_ day: Day) -> Int64 {
        let utcMidnight = day.epochMillis
        // The offset at local midnight: start from the offset at UTC midnight and settle once.
        let first = utcMidnight - Int64(offsetSeconds(at: utcMidnight)) * 1000
        return utcMidnight - Int64(offsetSeconds(at: first)) * 1000
    }
}
