/// The store refusing commits (a transient or damaging failure, never one row's fault): since
/// when, and the last error. `/healthz` answers 503 naming it; ingest holds meanwhile.
public struct StoreFailure: Sendable, Equatable {
    /// When the first refused commit happened (epoch ms).
    public let since: Int64
    /// The last error, as the store described it.
    public let error: String

    public init(since: Int64, error: String) { (self.since, self.error) = (since, error) }
}
