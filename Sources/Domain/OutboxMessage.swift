/// A message for the outbox: published (QoS 1) after the commit that wrote it, deleted once the
/// broker has acknowledged it.
public struct OutboxMessage: Sendable, Equatable {
    public let topic: String
    public let payload: String
    public init(topic: String, payload: String) { (self.topic, self.payload) = (topic, payload) }
}
