/// Who an API token speaks for (SPEC §7): a supervisor sees everything; a maintenance firm only
/// the devices it maintains; an owner (使用单位) only its own devices. Written `supervisor`,
/// `firm:{id}`, `owner:{id}`.
public enum Role: Sendable, Hashable, CustomStringConvertible {
    case supervisor
    case firm(String)
    case owner(String)

    public init?(parsing text: String) {
        if text == "supervisor" { self = .supervisor; return }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].utf8.count <= 128 else { return nil }
        switch parts[0] {
        case "firm": self = .firm(parts[1])
        case "owner": self = .owner(parts[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .supervisor: "supervisor"
        case .firm(let id): "firm:\(id)"
        case .owner(let id): "owner:\(id)"
        }
    }
}
