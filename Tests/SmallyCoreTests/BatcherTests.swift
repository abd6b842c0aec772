import ServiceLifecycle
import SmallyCore
import SmallyEngine
import SmallyTestSupport
import Synchronization
import Testing

/// The dynamic batcher on the real engine: lanes, graceful shutdown, cancellation, backpressure.
@Suite("Batcher")
struct BatcherTests {
    static let texts = SampleQueries.twentyFour

    @Test("with two lanes, concurrent texts give the vectors of one-by-one inference, and shutdown drains")
    func twoLanesEqualSingle() async throws {
        let single = try CoreTestSupport.engine()
        let engine = InferenceEngine(model: single.model, threads: 2)
        let observer = BatchCounter()
        let batcher = Batcher(engine: engine, maxQueuedTexts: 100, maxBatchSize: 8, maxBatchTokens: 1_000,
                              lanes: 2, logger: CoreTestSupport.logger, observer: observer)
        #expect(batcher.lanes == 2)
        let ids = Self.texts.map { single.model.tokenizer.encode($0).ids }
        var expected: [[Float]] = []
        for sequence in ids { expected.append(try await single.embed(tokenIDs: [sequence])[0]) }
        let reference = expected
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await withThrowingTaskGroup(of: (Int, [Float]).self) { requests in
                for (index, sequence) in ids.enumerated() {
                    requests.addTask { (index, try await batcher.embed([sequence])[0].0) }
                }
                for try await (index, vector) in requests {
                    #expect(CoreTestSupport.maxAbsDiff(vector, reference[index]) <= 1e-5, "text \(index)")
                }
            }
            #expect(observer.texts == ids.count)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(batcher.queueDepth == 0)
    }

    @Test("cancelling the batcher's task ends it, as when another service fails (e.g. the port is taken)")
    func cancellationEndsRun() async throws {
        let batcher = Batcher(engine: try CoreTestSupport.engine(), maxQueuedTexts: 4, maxBatchSize: 4,
                              maxBatchTokens: 100, logger: CoreTestSupport.logger)
        let finished = Mutex(false)
        let running = Task {
            try? await batcher.run()
            finished.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))   // the lanes are waiting for work
        running.cancel()
        let deadline = ContinuousClock.now + .seconds(10)
        while !finished.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(finished.withLock { $0 })
        await #expect(throws: CoreError.shuttingDown) { _ = try await batcher.embed([[101, 102]]) }
    }

    @Test("with a queue deadline, texts that waited too long are refused, none is lost, and what is served waited at most the deadline")
    func deadlineShedsLateWork() async throws {
        let single = try CoreTestSupport.engine()
        let observer = ShedCounter()
        let deadline = Duration.milliseconds(30)
        // One lane and small batches: 300 texts take far longer than 30 ms, so most wait past it.
        let batcher = Batcher(engine: InferenceEngine(model: single.model, threads: 1), maxQueuedTexts: 1_000, maxBatchSize: 4,
                              maxBatchTokens: 1_000, maxQueueWait: deadline, logger: CoreTestSupport.logger, observer: observer)
        let ids = (0..<300).map { single.model.tokenizer.encode("deadline text number \($0) about a parcel").ids }
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        var served: [Duration] = []
        var refused = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            await withTaskGroup(of: Result<Duration, any Error>.self) { requests in
                for sequence in ids {
                    requests.addTask {
                        do { return .success(try await batcher.embed([sequence])[0].1.queue) } catch { return .failure(error) }
                    }
                }
                for await result in requests {
                    switch result {
                    case .success(let queue): served.append(queue)
                    case .failure(let error):
                        if case .queueBehind? = error as? CoreError { refused += 1; continue }   // refused at admission
                        guard case .queueTimeout(let waited, let limit)? = error as? CoreError else {
                            Issue.record("unexpected error \(error)")
                            continue
                        }
                        #expect(waited >= 30 && limit == 30)   // whole milliseconds, rounded down
                        refused += 1
                    }
                }
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(served.count + refused == ids.count)
        #expect(refused > 0 && !served.isEmpty)
        #expect(observer.shed == refused)
        // Checked when the lane takes the batch, which starts right after: slack for a busy machine.
        #expect(served.max()! <= deadline + .milliseconds(30), "a served text waited \(served.max()!)")
        #expect(batcher.queueDepth == 0)
    }

    @Test("once the cost per token is known, work that would wait past the deadline is refused at admission, at once")
    func deadlineRefusesAtAdmission() async throws {
        let single = try CoreTestSupport.engine()
        let observer = ShedCounter()
        let batcher = Batcher(engine: InferenceEngine(model: single.model, threads: 1), maxQueuedTexts: 1_000, maxBatchSize: 4,
                              maxBatchTokens: 1_000, maxQueueWait: .milliseconds(30), logger: CoreTestSupport.logger, observer: observer)
        let ids = (0..<300).map { single.model.tokenizer.encode("admission text number \($0) about a parcel").ids }
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        var atAdmission: [Duration] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            _ = try await batcher.embed([ids[0]])   // measures the cost per token
            await withTaskGroup(of: (Bool, Duration).self) { requests in
                for sequence in ids.dropFirst() {
                    requests.addTask {
                        let start = ContinuousClock.now
                        do { _ = try await batcher.embed([sequence]) } catch {
                            if case .queueBehind? = error as? CoreError { return (true, ContinuousClock.now - start) }
                        }
                        return (false, .zero)
                    }
                }
                for await (refused, took) in requests where refused { atAdmission.append(took) }
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(!atAdmission.isEmpty, "300 texts on one lane never looked more than 30 ms behind")
        #expect(atAdmission.max()! < .milliseconds(30), "a refusal at admission took \(atAdmission.max()!)")
        #expect(observer.shed >= atAdmission.count)
        #expect(batcher.queueDepth == 0)
    }

    @Test("a request that does not fit the queue is refused whole, before anything is queued")
    func overloaded() async throws {
        // Not running: nothing leaves the queue, so what fits stays there.
        let batcher = Batcher(engine: try CoreTestSupport.engine(), maxQueuedTexts: 2, maxBatchSize: 4,
                              maxBatchTokens: 100, logger: CoreTestSupport.logger)
        await #expect(throws: CoreError.overloaded(queued: 0)) { _ = try await batcher.embed([[101, 102], [101, 7, 102], [101, 8, 102]]) }
        #expect(batcher.queueDepth == 0)
    }
}

/// Several models on one batcher: one scheduler for the CPUs, models taking turns.
@Suite("Batcher with several models")
struct MultiModelBatcherTests {
    @Test("a burst on one model does not starve another: its text is served while the burst is still queued")
    func burstDoesNotStarve() async throws {
        let single = try CoreTestSupport.engine()
        let lanes = InferenceLanes(threads: 1)
        let busy = InferenceEngine(model: single.model, lanes: lanes)
        let other = InferenceEngine(model: single.model, lanes: lanes)
        let batcher = Batcher(engines: [busy, other], maxQueuedTexts: 2_000, maxBatchSize: 8, maxBatchTokens: 1_000,
                              logger: CoreTestSupport.logger)
        let tokenizer = single.model.tokenizer
        // 400 distinct texts (no single-flight joins): 50 batches of 8 on one lane.
        let burst = (0..<400).map { EncoderInput(ids: tokenizer.encode("burst text number \($0) about shipping").ids) }
        let probe = EncoderInput(ids: tokenizer.encode("where is my parcel").ids)
        let expected = try await single.embed(tokenIDs: [probe.ids])[0]
        let burstDone = Flag()
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            group.addTask {
                _ = try await batcher.run(burst, model: 0)
                burstDone.set()
            }
            while batcher.queueDepth < 300 { try await Task.sleep(for: .milliseconds(1)) }
            let result = try await batcher.run([probe], model: 1)
            let stillQueued = batcher.queueDepth
            #expect(!burstDone.isSet, "the other model's text waited for the whole burst")
            #expect(stillQueued > 200, "only \(stillQueued) of the burst's texts were still queued when the other model's text was served")
            #expect(CoreTestSupport.maxAbsDiff(result[0].0, expected) <= 1e-5)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(burstDone.isSet)
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    @Test("each model's batch runs on its own engine: two models give their own vectors")
    func batchesKeepTheirModel() async throws {
        let single = try CoreTestSupport.engine()
        let lanes = InferenceLanes(threads: 2)
        let engines = [InferenceEngine(model: single.model, lanes: lanes), InferenceEngine(model: single.model, lanes: lanes)]
        let batcher = Batcher(engines: engines, maxQueuedTexts: 100, maxBatchSize: 4, maxBatchTokens: 1_000, logger: CoreTestSupport.logger)
        // The same text with a different pooling start is another job (and another vector).
        let ids = single.model.tokenizer.encode("the quick brown fox jumps").ids
        let whole = try await single.embed(tokenIDs: [ids])[0]
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            async let first = batcher.run([EncoderInput(ids: ids)], model: 0)
            async let second = batcher.run([EncoderInput(ids: ids)], model: 1)
            let (a, b) = try await (first, second)
            #expect(CoreTestSupport.maxAbsDiff(a[0].0, whole) <= 1e-5)
            #expect(CoreTestSupport.maxAbsDiff(b[0].0, whole) <= 1e-5)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
