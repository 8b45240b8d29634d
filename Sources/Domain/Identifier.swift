/// Identifiers that appear in MQTT topics: `[A-Za-z0-9._-]{1,64}` (SPEC §2).
public enum Identifier {
    /// Topic levels under the prefix that carry the pipeline's own traffic (notices, the alarm
    /// feed, completion reports), so no gateway may be named like them.
    public static let reservedTopicLevels: Set<String> = ["alarms", "notices", "owner-notices", "maintenance", "maintenance-results"]

    /// Whether `s` is a valid id: 1 to 64 of letters, digits, `-`, `_` and `.`, safe in a topic
    /// level.
    public static func isValid<S: StringProtocol>(_ s: S) -> Bool {
        let u = s.utf8
        return !u.isEmpty && u.count <= 64 && u.allSatisfy(isValidByte)
    }

    @inline(__always)
    static func isValidByte(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 46 || c == 95 || c == 45
    }

    /// Rule ids: lower-case letters, digits, `_`, `.` and `-` (stable names alarms cite).
    public static func isRuleId(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { isLowerOrDigit($0) || $0 == 95 || $0 == 46 || $0 == 45 }
    }

    /// Field, attribute, counter and event names in `Devices/`: lower_snake_case.
    public static func isSnakeCaseName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { isLowerOrDigit($0) || $0 == 95 }
    }

    @inline(__always)
    static func isLowerOrDigit(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }

    /// The same check on bytes (topic levels on the hot path).
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy(isValidByte)
    }
}
