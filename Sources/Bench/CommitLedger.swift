import Synchronization

/// Publish and commit times by message index, read per time window.
final class CommitLedger: Sendable {
    struct Figures {
        var published = 0, committed = 0
        var seconds = 0.0
        var p50 = Double.nan, p99 = Double.nan, max = Double.nan
        /// Messages published in the window and committed (whenever): the latencies' count.
        var measured = 0
        var committedPerSecond: Double { seconds > 0 ? Double(committed) / seconds : 0 }
    }
    private struct Times {
        var publishedAt: [UInt64]
        var committedAt: [UInt64]
    }
    private let times: Mutex<Times>

    init(count: Int) {
        times = Mutex(Times(publishedAt: [UInt64](repeating: 0, count: count), committedAt: [UInt64](repeating: 0, count: count)))
    }

    func published(index: Int, at: UInt64) { times.withLock { $0.publishedAt[index] = at } }
    /// Messages committed so far.
    var committedCount: Int { times.withLock { t in t.committedAt.reduce(0) { $1 > 0 ? $0 + 1 : $0 } } }
    func committed(index: Int, at: UInt64) {
        times.withLock { t in if index >= 0, index < t.committedAt.count, t.committedAt[index] == 0 { t.committedAt[index] = at } }
    }

    /// Commits in [from, to) (the rate ingest achieved in the window), and the publish → commit
    /// latencies of the messages published in it.
    func figures(publishedFrom from: UInt64, to: UInt64) -> Figures {
        times.withLock { t in
            var f = Figures()
            var latencies: [Double] = []
            for i in t.publishedAt.indices {
                if t.committedAt[i] > 0, t.committedAt[i] >= from, t.committedAt[i] < to { f.committed += 1 }
                guard t.publishedAt[i] >= from && t.publishedAt[i] < to else { continue }
                f.published += 1
                if t.committedAt[i] > 0, t.committedAt[i] >= t.publishedAt[i] { latencies.append(Double(t.committedAt[i] - t.publishedAt[i]) / 1e6) }
            }
            f.seconds = Double(to - from) / 1e9
            latencies.sort()
            f.measured = latencies.count
            if !latencies.isEmpty {
                f.p50 = latencies[latencies.count / 2]
                f.p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
                f.max = latencies[latencies.count - 1]
            }
            return f
        }
    }
}
