import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// SIGTERM / SIGINT handling of `smally serve`. The first signal starts draining (`/ready` 503,
/// the listener closed (``ListenerGate``), `Connection: close` on every response) and, `drain`
/// later, the graceful shutdown of the group: in-flight requests finish, the batcher empties, usage is
/// flushed, then the process exits 0. A second signal exits at once (status 128 + signal).
/// First in the group, so it is shut down last and still hears a second signal meanwhile.
final class DrainOnSignal: Service {
    let readiness: Readiness
    let listener: ListenerGate
    let drain: Duration
    let logger: Logger
    let shutdownGroup: @Sendable () async -> Void

    init(readiness: Readiness, listener: ListenerGate, drain: Duration, logger: Logger, shutdownGroup: @escaping @Sendable () async -> Void) {
        self.readiness = readiness
        self.listener = listener
        self.drain = drain
        self.logger = logger
        self.shutdownGroup = shutdownGroup
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { tasks in
                var received = 0
                for await signal in signals {
                    received += 1
                    if received > 1 {
                        self.logger.warning("second signal: exiting now", metadata: ["signal": "\(signal)"])
                        _exit(128 + signal.rawValue)
                    }
                    self.readiness.beginDraining()
                    await self.listener.close()
                    self.logger.notice("draining: /ready answers 503, new connections refused, open ones close after their response; then shutting down",
                                       metadata: ["signal": "\(signal)", "drain_seconds": "\(self.drain.components.seconds)"])
                    tasks.addTask {
                        try? await Task.sleep(for: self.drain)
                        self.logger.notice("drain over: finishing in-flight requests and flushing usage")
                        await self.shutdownGroup()
                    }
                }
            }
        }
    }
}

/// Runs `app` until SIGTERM / SIGINT, draining for `drain` first (see ``DrainOnSignal``).
public func runDrainingOnSignal(_ app: some Service, readiness: Readiness, listener: ListenerGate, drain: Duration,
                                logger: Logger) async throws {
    let group = Mutex<ServiceGroup?>(nil)
    let signals = DrainOnSignal(readiness: readiness, listener: listener, drain: drain, logger: logger) {
        await group.withLock { $0 }?.triggerGracefulShutdown()
    }
    let serviceGroup = ServiceGroup(configuration: .init(services: [signals, app], gracefulShutdownSignals: [],
                                                         cancellationSignals: [], logger: logger))
    group.withLock { $0 = serviceGroup }
    try await serviceGroup.run()
}
