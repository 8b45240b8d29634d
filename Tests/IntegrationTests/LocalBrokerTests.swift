import BrokerProcess
import Foundation
import Testing

/// The tests' brokers: each test must get a broker of its own, or one test's broker restart is
/// another test's outage.
@Suite("Local brokers: a port of their own, and started only when their own mosquitto runs")
struct LocalBrokerTests {
    @Test("freePort never hands out a port twice in one process")
    func portsAreNotHandedOutTwice() throws {
        var seen: Set<Int> = []
        for _ in 0..<300 { #expect(seen.insert(try freePort()).inserted) }
    }

    @Test("a second broker on a port another broker holds fails to start with mosquitto's reason, instead of answering with the other's listener")
    func aTakenPortIsAnError() throws {
        let first = try LocalBroker(persistence: false)
        defer { first.stop() }
        let second = try LocalBroker(persistence: false, port: first.port, start: false)
        #expect(canConnect(port: first.port))
        #expect(throws: BrokerError.self) { try second.start(timeout: 10) }
        #expect(!second.isRunning)
    }
}
