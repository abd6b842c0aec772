import CoreMetrics
import NIOCore
import ServiceLifecycle

/// Measures how long a task submitted to each event loop waits before it runs (`smally_event_loop_lag_seconds`).
/// Work that blocks an event loop (a slow synchronous call in a handler) delays every connection on
/// that loop; a cached request takes tens of microseconds there, so a lag in milliseconds is the sign.
struct EventLoopLagMonitor: Service {
    let group: any EventLoopGroup
    let interval: Duration
    let lag: CoreMetrics.Timer

    init(group: any EventLoopGroup, interval: Duration = .milliseconds(500), factory: any MetricsFactory) {
        self.group = group
        self.interval = interval
        self.lag = CoreMetrics.Timer(label: "smally_event_loop_lag_seconds", factory: factory)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for loop in group.makeIterator() {
                    let submitted = ContinuousClock.now
                    guard let started = try? await loop.submit({ ContinuousClock.now }).get() else { return }
                    lag.recordNanoseconds(max(0, (started - submitted).nanoseconds))
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
