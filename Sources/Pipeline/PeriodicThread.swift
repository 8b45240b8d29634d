import Foundation

/// A background thread that runs `body` every `everyMs` (or sooner when woken) until stopped.
/// The body gets the number of the round; stopping waits for the current round to finish.
final class PeriodicThread: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var running = false
    private var woken = false
    private let finished = DispatchSemaphore(value: 0)
    private let name: String
    private let everyMs: Int64

    init(name: String, everyMs: Int64) { (self.name, self.everyMs) = (name, everyMs) }

    func start(_ body: @escaping @Sendable () -> Void) {
        condition.withLock { running = true }
        let t = Thread { [self] in
            defer { finished.signal() }
            while true {
                let go = condition.withLock { () -> Bool in
                    if running, !woken { _ = condition.wait(until: Date().addingTimeInterval(Double(everyMs) / 1000)) }
                    woken = false
                    return running
                }
                guard go else { return }
                body()
            }
        }
        t.name = name
        t.start()
    }

    /// Runs a round soon instead of at the end of the interval.
    func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    func stop() {
        let wasRunning = condition.withLock {
            defer { running = false; condition.broadcast() }
            return running
        }
        if wasRunning { finished.wait() }
    }
}
