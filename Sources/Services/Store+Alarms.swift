import Domain
import Rules
import Records

extension Store {
    /// Acknowledges an alarm for `who` at `at`, with its incident timeline entry and the
    /// `acknowledged` message on the alarm feed, in one transaction (CLI and API alike).
    public func acknowledge(alarm id: Int64, by who: String, at: Int64, onSite: Bool = false, topics: Topics) throws(StoreError) -> AckResult {
        try acknowledge(alarm: id, by: who, at: at, onSite: onSite, feed: { AlarmFeed.acknowledged($0, by: who, at: at, topics: topics) })
    }
}
