@testable import SmallyServer
import Testing

@Suite("auth failure throttle")
struct AuthFailureThrottleTests {
    @Test("an address is refused after its limit of failures, until its window ends; others are not")
    func refusesAfterLimit() {
        let throttle = AuthFailureThrottle(limit: 3, window: .seconds(60))
        let start = ContinuousClock.now
        #expect(throttle.retryAfter("10.0.0.1", now: start) == nil)
        #expect(!throttle.recordFailure("10.0.0.1", now: start))
        #expect(!throttle.recordFailure("10.0.0.1", now: start + .seconds(1)))
        #expect(throttle.retryAfter("10.0.0.1", now: start + .seconds(1)) == nil)
        #expect(throttle.recordFailure("10.0.0.1", now: start + .seconds(2)))  // the third: now blocked, said once
        #expect(!throttle.recordFailure("10.0.0.1", now: start + .seconds(3)))
        #expect(throttle.retryAfter("10.0.0.1", now: start + .seconds(10)) == 50)
        #expect(throttle.retryAfter("10.0.0.1", now: start + .milliseconds(59_500)) == 1)
        #expect(throttle.retryAfter("10.0.0.2", now: start + .seconds(10)) == nil)
        #expect(throttle.retryAfter("10.0.0.1", now: start + .seconds(60)) == nil)
        // A new window starts from the next failure.
        #expect(!throttle.recordFailure("10.0.0.1", now: start + .seconds(61)))
        #expect(throttle.retryAfter("10.0.0.1", now: start + .seconds(61)) == nil)
    }

    @Test("the table empties again after the window, so isTracking turns off")
    func emptiesAgain() {
        let throttle = AuthFailureThrottle(limit: 3, window: .seconds(60))
        let start = ContinuousClock.now
        #expect(!throttle.isTracking)
        throttle.recordFailure("10.0.0.9", now: start)
        #expect(throttle.isTracking)
        #expect(throttle.retryAfter("10.0.0.1", now: start + .seconds(30)) == nil)
        #expect(throttle.isTracking)
        #expect(throttle.retryAfter("10.0.0.1", now: start + .seconds(91)) == nil)
        #expect(!throttle.isTracking, "an address that never came back still counted")
    }

    @Test("limit 0 never refuses")
    func off() {
        let throttle = AuthFailureThrottle(limit: 0)
        for _ in 0..<1_000 { throttle.recordFailure("a") }
        #expect(throttle.retryAfter("a") == nil)
        #expect(throttle.trackedAddresses == 0)
    }

    @Test("the table is bounded: expired windows go first, then the oldest")
    func bounded() {
        let throttle = AuthFailureThrottle(limit: 2, window: .seconds(60), maxAddresses: 3)
        let start = ContinuousClock.now
        throttle.recordFailure("a", now: start)
        throttle.recordFailure("a", now: start)
        throttle.recordFailure("b", now: start + .seconds(1))
        throttle.recordFailure("c", now: start + .seconds(2))
        throttle.recordFailure("d", now: start + .seconds(3))  // full: "a" (oldest) goes
        #expect(throttle.trackedAddresses == 3)
        #expect(throttle.retryAfter("a", now: start + .seconds(3)) == nil)
        for index in 0..<10_000 { throttle.recordFailure("flood-\(index)", now: start + .seconds(100)) }
        #expect(throttle.trackedAddresses == 3)
    }
}
