import Foundation
@testable import SmallyAccounts
import SmallyTestSupport
import Testing

@Suite("async lock") struct AsyncLockTests {
    @Test("a waiter that times out leaves the queue at once and its body never runs")
    func timedOutWaiterLeaves() async throws {
        let lock = AsyncLock()
        let ran = Flag()
        // The holder keeps the lock until the test lets go (a fixed sleep could end early on a loaded machine).
        let (release, letGo) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await lock.withLock { for await _ in release { break } }
        }
        try await waitUntil("the holder has the lock", within: .seconds(2)) {
            // A probe that gives up at once proves the lock is taken.
            (try? await withDeadline(.milliseconds(5)) { try await lock.withLock {} }) == nil
        }
        let start = ContinuousClock.now
        await #expect(throws: AccountsError.self) {
            try await withDeadline(.milliseconds(50)) { try await lock.withLock { ran.set() } }
        }
        // Generous: the holder never lets go before the end, so a waiter that did not leave would hang here.
        #expect(ContinuousClock.now - start < .seconds(10))
        try await waitUntil("the waiter left the queue", within: .seconds(2)) { lock.waiting == 0 }
        letGo.finish()
        try await holder.value
        try await Task.sleep(for: .milliseconds(50))
        #expect(!ran.isSet, "a cancelled waiter must not run its body later")
        // The lock still works after the departures.
        #expect(try await lock.withLock { 42 } == 42)
    }

    @Test("waiters that stay get the lock in arrival order")
    func fifoOrder() async throws {
        let lock = AsyncLock()
        let order = OrderLog()
        let release = Flag()
        let holder = Task {
            try await lock.withLock {
                while !release.isSet { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
        try await waitUntil("the holder has the lock", within: .seconds(2)) {
            (try? await withDeadline(.milliseconds(5)) { try await lock.withLock {} }) == nil
        }
        try await waitUntil("the probe left", within: .seconds(2)) { lock.waiting == 0 }
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<5 {
            waiters.append(Task { try await lock.withLock { order.append(index) } })
            try await waitUntil("waiter \(index) queued", within: .seconds(2)) { lock.waiting == index + 1 }
        }
        release.set()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(order.values == [0, 1, 2, 3, 4])
    }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    var values: [Int] { lock.withLock { items } }
    func append(_ value: Int) { lock.withLock { items.append(value) } }
}
