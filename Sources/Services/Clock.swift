import Domain
import Foundation

/// Wall-clock and monotonic time readings the pipeline uses; injectable so tests can move time.
public struct PipelineClock: Sendable {
    /// Epoch milliseconds (wall clock): reception times, stale/future checks.
    public var now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) { self.now = now }

    public static let system = PipelineClock(now: wallMillis)
}

/// Now, in epoch milliseconds (wall clock).
public func wallMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// A monotonic clock in nanoseconds, for durations (never goes back).
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The calling thread's CPU clock, to be read from any thread while it runs (`cpuSeconds(of:)`).
public func currentThreadCPUClock() -> clockid_t? {
    var id = clockid_t()
    return pthread_getcpuclockid(pthread_self(), &id) == 0 ? id : nil
}

/// CPU seconds a thread has used, by its clock (`currentThreadCPUClock()`).
public func cpuSeconds(of clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
