import Foundation

/// Bounds the messages received from the broker and not yet committed (SPEC §8: a `kill -9`
/// loses at most one commit's worth, also while a backlog drains).
///
/// libmosquitto acknowledges a QoS 1 message before the pipeline stores it, so everything
/// between the socket and the commit is what a crash can lose. The network thread takes
/// credits before it hands messages on and waits, no longer reading the socket, when the limit
/// is reached; the worker gives them back after each commit. The broker keeps the rest.
final class UncommittedGate: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var held = 0
    private var closed = false
    let limit: Int

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Takes `n` credits if they are free now.
    func tryAcquire(_ n: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard closed || held + n <= limit else { return false }
        held += n
        return true
    }

    /// Takes `n` credits, waiting until they are free (or the gate is closed for stopping).
    func acquire(_ n: Int) {
        condition.lock()
        defer { condition.unlock() }
        while !closed, held + n > limit { condition.wait() }
        held += n
    }

    /// Gives back `n` credits: that many received messages are committed (or were dropped as
    /// duplicates or dead-lettered in a commit).
    func release(_ n: Int) {
        guard n > 0 else { return }
        condition.lock()
        held = max(0, held - n)
        condition.broadcast()
        condition.unlock()
    }

    /// Stops all waiting: the pipeline is stopping and drains what it has.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

}
