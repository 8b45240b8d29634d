import Domain

/// Everything validation produced from a slice of messages, in arrival order per kind.
public struct IngestOutput: Sendable {
    public var accepted: [AcceptedMessage] = []
    public var deadLetters: [DeadLetter] = []
    public var gatewayStatuses: [GatewayStatus] = []

    public init() {}

    public mutating func removeAll() {
        accepted.removeAll(keepingCapacity: true)
        deadLetters.removeAll(keepingCapacity: true)
        gatewayStatuses.removeAll(keepingCapacity: true)
    }

    public var isEmpty: Bool { accepted.isEmpty && deadLetters.isEmpty && gatewayStatuses.isEmpty }
}

