import ServiceLifecycle
import SmallyCore
import SmallyEngine
import SmallyTestSupport
import Testing

/// `smally_queue_wait_seconds` is fed by ``BatchObserver/queueWaited(_:)``: one wait per answered
/// waiter, never negative (a Prometheus histogram traps on a negative duration when it is scraped).
@Suite("queue wait metric")
struct QueueWaitMetricTests {
    @Test("every waiter reports a wait ≥ 0, also those that joined a job whose batch had started")
    func waitsAreNeverNegative() async throws {
        let engine = try CoreTestSupport.engine()
        let recorder = QueueWaitRecorder()
        let batcher = Batcher(engine: engine, maxQueuedTexts: 100, maxBatchSize: 1, maxBatchTokens: 1_000,
                              lanes: 1, logger: CoreTestSupport.logger, observer: recorder)
        let long = engine.model.tokenizer.encode(String(repeating: "the quick brown fox jumps over the lazy dog ", count: 20)).ids
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            // The same text arriving every millisecond: later copies join the job while it runs.
            try await withThrowingTaskGroup(of: Void.self) { requests in
                for index in 0..<30 {
                    requests.addTask {
                        try await Task.sleep(for: .milliseconds(index))
                        _ = try await batcher.embed([long])
                    }
                }
                try await requests.waitForAll()
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(recorder.waits.count == 30)
        #expect(recorder.waits.allSatisfy { $0 >= .zero }, "\(recorder.waits.filter { $0 < .zero })")
    }
}
