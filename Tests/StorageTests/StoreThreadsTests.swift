import Foundation
import Records
import Synchronization
import Testing
import TestSupport

/// How many store calls run at once, and the most seen.
final class Concurrency: Sendable {
    let state = Mutex((now: 0, most: 0))
    func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
}

@Suite("Store threads: async callers' store work off the cooperative pool, bounded")
struct StoreThreadsTests {
    @Test("at most `width` store calls run at once; the others wait their turn and all complete, in any number")
    func boundedWidth() async throws {
        let running = Concurrency()
        let calls = 40
        // Each call holds its store thread a while, as a slow query does.
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<calls {
                group.addTask {
                    try await StoreThreads.offload {
                        running.enter()
                        Thread.sleep(forTimeInterval: 0.01)
                        running.leave()
                        return i
                    }
                }
            }
            var seen: [Int] = []
            for try await r in group { seen.append(r) }
            return seen
        }
        #expect(results.sorted() == Array(0..<calls))
        let most = running.state.withLock { $0.most }
        // Other tests' store calls share the places, so fewer than `width` of these may have run
        // together; never more.
        #expect(most >= 1 && most <= StoreThreads.width, "at most \(StoreThreads.width) at once, saw \(most)")
        #expect(running.state.withLock { $0.now } == 0)
    }

    @Test("an error thrown by a store call reaches its caller and frees its place")
    func errorsPassThrough() async throws {
        struct Refused: Error {}
        for _ in 0..<(StoreThreads.width * 3) {
            await #expect(throws: Refused.self) { try await StoreThreads.offload { () throws -> Int in throw Refused() } }
        }
        #expect(try await StoreThreads.offload { 7 } == 7)
    }
}
