import Testing

@testable import SmallyCache

struct TopologyRefreshScheduleTests {
    @Test("first at once, then periodic, requests within the gap") func schedule() {
        var schedule = TopologyRefreshSchedule(interval: .seconds(5), minimumGap: .milliseconds(200))
        let t0 = ContinuousClock.now
        var started = schedule.start(now: t0)
        #expect(started)
        started = schedule.start(now: t0 + .seconds(10))
        #expect(!started)  // one at a time
        schedule.finished(success: true)
        started = schedule.start(now: t0 + .seconds(1))
        #expect(!started)
        schedule.request()
        started = schedule.start(now: t0 + .milliseconds(100))
        #expect(!started)  // within the gap
        started = schedule.start(now: t0 + .milliseconds(250))
        #expect(started)
        schedule.finished(success: true)
        started = schedule.start(now: t0 + .seconds(1))
        #expect(!started)  // request consumed
        started = schedule.start(now: t0 + .milliseconds(5250))
        #expect(started)  // periodic
        schedule.finished(success: false)
        started = schedule.start(now: t0 + .milliseconds(5300))
        #expect(!started)
        started = schedule.start(now: t0 + .milliseconds(5450))
        #expect(started)  // a failure is retried after the gap
    }
}
