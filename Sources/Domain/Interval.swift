import Foundation

/// A duration written in data files as `250ms`, `20s`, `45s`, `10m`, `2h`, `30d` or `2w`.
///
/// Thresholds and timers live in `Devices/` and `Rules/` as text; this is their one parser.
public struct Interval: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    /// An interval of `s` seconds.
    public static func seconds(_ s: Int64) -> Interval { Interval(milliseconds: s * 1000) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Parses `<digits><unit>`; a bare number is rejected because its unit would be a guess.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let unitStart = t.firstIndex(where: { !$0.isNumber }), unitStart != t.startIndex,
              let value = Int64(t[..<unitStart]) else { return nil }
        let factor: Int64
        switch t[unitStart...] {
        case "ms": factor = 1
        case "s": factor = 1000
        case "m": factor = 60_000
        case "h": factor = 3_600_000
        case "d": factor = 86_400_000
        case "w": factor = 7 * 86_400_000
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        milliseconds = product
    }

    public static func < (a: Interval, b: Interval) -> Bool { a.milliseconds < b.milliseconds }

    public var description: String {
        let ms = milliseconds
        for (unit, f) in [("w", Int64(604_800_000)), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where ms != 0 && ms % f == 0 { return "\(ms / f)\(unit)" }
        return "\(ms)ms"
    }
}
