import Domain
import Synchronization

/// Failed authentications per client address, in one-minute windows. Beyond `limit` in a window
/// the address is answered 429 with `Retry-After` until the window ends, without a look-up in
/// the store; of each window's failures only the first, and the one that starts the throttling,
/// are logged (5,000 bad tokens are two log lines, not 5,000).
final class AuthThrottle: Sendable {
    private struct Window {
        var start: Int64
        var failures: Int
    }

    let limit: Int
    let windowMs: Int64 = 60_000
    /// Addresses remembered at most; beyond, windows that ended are forgotten first.
    private let capacity = 10_000
    private let windows = Mutex<[String: Window]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    /// Seconds until `address` may try again; nil when it may now.
    func retryAfter(_ address: String, now: Int64) -> Int? {
        windows.withLock { w in
            guard let window = w[address], now - window.start < windowMs, window.failures >= limit else { return nil }
            return Int((window.start + windowMs - now + 999) / 1000)
        }
    }

    /// Counts a failure of `address`; whether to log it.
    func failed(_ address: String, now: Int64) -> Bool {
        windows.withLock { w in
            if w.count >= capacity {
                w = w.filter { now - $0.value.start < windowMs }
                if w.count >= capacity { w.removeAll() }
            }
            var window = w[address].flatMap { now - $0.start < windowMs ? $0 : nil } ?? Window(start: now, failures: 0)
            window.failures += 1
            w[address] = window
            return window.failures == 1 || window.failures == limit
        }
    }
}
