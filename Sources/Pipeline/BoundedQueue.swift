import Domain
import Foundation

/// A blocking FIFO of bounded capacity between two threads.
///
/// `push` waits while the queue is full: on the ingest path that stops the network thread from
/// reading the socket, so a slow disk slows the broker's delivery instead of dropping messages
/// or growing memory (SPEC §8).
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Appends, waiting for room. Returns false if the queue was closed (the element is not added).
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity, !closed { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// What waiting for an element gave: one, a timeout, or the queue closed and empty.
    public enum PopResult {
        case element(Element)
        case timedOut
        /// Closed and empty: nothing more will come.
        case finished
    }

    /// Takes the oldest element, waiting until `deadline` at most.
    public func pop(until deadline: Date) -> PopResult {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count {
            if closed { return .finished }
            if !condition.wait(until: deadline) {
                if head == items.count { return closed ? .finished : .timedOut }
            }
        }
        let e = items[head]
        head += 1
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return .element(e)
    }

    /// No more pushes; pops drain what is left and then report `.finished`.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }
}
