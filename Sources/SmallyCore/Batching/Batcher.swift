import Logging
import Tracing
import ServiceLifecycle
import SmallyEngine
import Synchronization

/// Requests that arrive while the engine is busy are coalesced into one forward pass. Admission
/// is non-blocking: when the queue is full, `embed` throws ``CoreError/overloaded(queued:)`` at once
/// (the HTTP layer answers 429 with Retry-After), so memory stays bounded. With a queue deadline
/// (`maxQueueWait`, `SMALLY_MAX_QUEUE_MS`), texts that have waited longer when a lane would start
/// them are refused with ``CoreError/queueTimeout(waitedMilliseconds:limitMilliseconds:)`` (503)
/// instead of being computed late, so what is admitted keeps a bounded latency under overload.
///
/// Batches run on the engine's lanes, one per inference CPU, each fed by its own loop: under load
/// every lane computes its own batch on one CPU, so no CPU waits for another at the end of a
/// batch, and a request arriving while one batch runs starts on the other CPU at once. A lone
/// text is spread over all CPUs (lowest latency when idle). See `BatchQueue.take(lanes:)`.
///
/// One batcher serves every model of the process (one engine each, index = model): it is the one
/// scheduler of the inference CPUs, so several models never run more batches at once than there
/// are lanes, and the models take turns (see `BatchQueue`), so a burst on one does not starve another.
///
/// A `Service`: `run()` owns the lane loops that form batches and hand them to the engine (which
/// runs them off the cooperative pool); on graceful shutdown they finish what is queued, then return.
public final class Batcher: Service, Sendable {
    typealias Continuation = CheckedContinuation<([Float], BatchTiming), any Error>

    private struct Submitted {
        let continuation: Continuation
        let enqueued: ContinuousClock.Instant
        /// The submitting request's trace context (tracing on only), for the batch span's links.
        let trace: ServiceContext?
    }

    private struct State {
        var queue: BatchQueue<Submitted>
        var nextTicket: UInt64 = 0
        /// Slots promised to admitted requests whose sequences are not yet submitted.
        var reserved = 0
        /// Their tokens (counted with the queue's when estimating its wait).
        var reservedTokens = 0
        /// Lane loops waiting for work.
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var shuttingDown = false
        /// Lane-time one token costs (moving average over finished batches); nil before the first.
        var costPerToken: Duration?
    }

    private let state: Mutex<State>
    private let engines: [InferenceEngine]
    /// Batches that may run at the same time (lane loops).
    public let lanes: Int
    private let logger: Logger
    private let observer: (any BatchObserver)?
    /// Gives each batch a span linked to the requests it serves (nil: tracing off, nothing recorded).
    private let tracer: (any Tracer)?
    /// Longest a text may wait for a lane; nil = no deadline.
    public let maxQueueWait: Duration?

    /// - Parameter lanes: batches run at the same time, at most the engine's ``InferenceEngine/laneCount``
    ///   (default); 1 runs one batch at a time, always spread over all CPUs.
    public convenience init(engine: InferenceEngine, maxQueuedTexts: Int, maxBatchSize: Int, maxBatchTokens: Int,
                            maxQueueWait: Duration? = nil, lanes: Int? = nil, logger: Logger, observer: (any BatchObserver)? = nil,
                            tracer: (any Tracer)? = nil) {
        self.init(engines: [engine], maxQueuedTexts: maxQueuedTexts, maxBatchSize: maxBatchSize, maxBatchTokens: maxBatchTokens,
                  maxQueueWait: maxQueueWait, lanes: lanes, logger: logger, observer: observer, tracer: tracer)
    }

    /// - Parameter engines: one per model, all with the same lanes (``InferenceEngine/init(model:lanes:splitMinimumTexts:kernel:)``).
    public init(engines: [InferenceEngine], maxQueuedTexts: Int, maxBatchSize: Int, maxBatchTokens: Int,
                maxQueueWait: Duration? = nil, lanes: Int? = nil, logger: Logger, observer: (any BatchObserver)? = nil,
                tracer: (any Tracer)? = nil) {
        precondition(!engines.isEmpty, "a batcher needs at least one engine")
        self.engines = engines
        let laneCount = engines.map(\.laneCount).min()!
        self.lanes = min(max(1, lanes ?? laneCount), laneCount)
        self.logger = logger
        self.observer = observer
        self.tracer = tracer
        self.maxQueueWait = maxQueueWait
        self.state = Mutex(State(queue: BatchQueue(maxQueuedJobs: maxQueuedTexts, maxBatchSize: maxBatchSize,
                                                   maxBatchTokens: maxBatchTokens, maxWait: maxQueueWait)))
    }

    /// Texts waiting for a forward pass.
    public var queueDepth: Int { state.withLock { $0.queue.queuedCount } }

    /// Pooled, unnormalised vectors for token sequences of model 0.
    public func embed(_ sequences: [[Int32]]) async throws -> [([Float], BatchTiming)] {
        try await run(sequences.map { EncoderInput(ids: $0) }, model: 0)
    }

    /// The engine's outputs (pooled unnormalised vectors, or a cross-encoder's logits) for inputs of
    /// model `model`, computed together with whatever else is waiting. All of a request's inputs
    /// are admitted together or rejected together.
    public func run(_ inputs: [EncoderInput], model: Int) async throws -> [([Float], BatchTiming)] {
        precondition(engines.indices.contains(model), "model \(model) outside 0..<\(engines.count)")
        let sequences = inputs
        let maxQueueWait = self.maxQueueWait
        let lanes = self.lanes
        let tokens = sequences.reduce(0) { $0 + $1.ids.count }
        let refusal = state.withLock { state -> CoreError? in
            if state.shuttingDown { return .shuttingDown }
            guard state.queue.hasRoom(for: sequences.count + state.reserved) else {
                return .overloaded(queued: state.queue.queuedCount)
            }
            // With a deadline: refuse at once what would wait past it anyway (the queue's tokens at
            // the measured cost, spread over the lanes), so that a refusal is fast, not ≥ the deadline.
            // At half the deadline: the estimate leaves out the batches already running and the
            // scheduler's noise; admitting up to the full deadline shed much of what it admitted.
            if let maxWait = maxQueueWait, let cost = state.costPerToken {
                let expected = cost * (state.queue.queuedTokens + state.reservedTokens) / lanes
                if expected > maxWait / 2 {
                    return .queueBehind(expectedMilliseconds: Self.milliseconds(expected), limitMilliseconds: Self.milliseconds(maxWait))
                }
            }
            state.reserved += sequences.count
            state.reservedTokens += tokens
            return nil
        }
        if let refusal {
            if case .queueBehind = refusal { observer?.shed(model: engines[model].model.qualifiedName, texts: sequences.count) }
            throw refusal
        }
        return try await withThrowingTaskGroup(of: (Int, ([Float], BatchTiming)).self) { group in
            for (index, input) in sequences.enumerated() {
                group.addTask { (index, try await self.runOne(BatchItem(model: model, input: input))) }
            }
            var results = [([Float], BatchTiming)?](repeating: nil, count: sequences.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    private func runOne(_ item: BatchItem) async throws -> ([Float], BatchTiming) {
        let ticket = state.withLock { state -> UInt64 in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
        // Task-local lookup only when tracing is on (the untraced path reads nothing).
        let trace = tracer == nil ? nil : ServiceContext.current
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Continuation) in
                let submitted = Submitted(continuation: continuation, enqueued: .now, trace: trace)
                let (wake, rejection, depth) = state.withLock { state -> (CheckedContinuation<Void, Never>?, (any Error)?, Int) in
                    state.reserved -= 1
                    state.reservedTokens -= item.input.ids.count
                    if state.shuttingDown { return (nil, CoreError.shuttingDown, 0) }
                    // Cancelled before it was queued (its client gone already): `onCancel` ran
                    // first and found nothing to remove, so it must not be queued now. Checked
                    // under the lock that `onCancel` takes, so no cancellation falls in between.
                    if Task.isCancelled { return (nil, CancellationError(), 0) }
                    _ = state.queue.submit(item, ticket: ticket, waiter: submitted, at: submitted.enqueued)
                    return (state.idleWaiters.popLast(), nil, state.queue.queuedCount)
                }
                if let rejection {
                    continuation.resume(throwing: rejection)
                    return
                }
                observer?.queueDepthChanged(depth)
                wake?.resume()
            }
        } onCancel: {
            // The caller has gone: drop its job before inference if nobody else waits for it.
            let waiter = state.withLock { $0.queue.cancel(ticket: ticket) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    public func run() async throws {
        // Cancellation (the service group stops because another service failed, e.g. the port is
        // taken) ends the lane loops like a graceful shutdown: they wait on continuations, which
        // do not see cancellation, so without this the process would never exit.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for lane in 0..<lanes {
                        group.addTask {
                            while let (batch, spread) = await self.nextBatch() {
                                await self.process(batch, lane: lane, spread: spread)
                            }
                        }
                    }
                }
            } onGracefulShutdown: {
                self.beginShutdown()
            }
        } onCancel: {
            self.beginShutdown()
        }
        logger.info("batcher stopped")
    }

    /// Refuses new work and wakes idle lanes, which finish what is queued and return.
    private func beginShutdown() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.shuttingDown = true
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for work and takes this lane's share of the queue (marking the lane busy until
    /// `process` releases it). `nil` once shutting down with nothing left to do.
    private func nextBatch() async -> (batch: [BatchQueue<Submitted>.Job], spread: Bool)? {
        let lanes = self.lanes
        while true {
            let now = ContinuousClock.now
            let (shed, batch, spread, wake, depth) = state.withLock { state in
                // Work that waited past the deadline is refused before a lane spends time on it.
                let shed = state.queue.shedExpired(now: now)
                let (batch, spread) = state.queue.take(lanes: lanes)
                // What is left is another lane's share: wake one if it sleeps.
                return (shed, batch, spread, state.queue.isEmpty ? nil : state.idleWaiters.popLast(), state.queue.queuedCount)
            }
            wake?.resume()
            if !shed.isEmpty { refuse(shed, now: now) }
            if !batch.isEmpty {
                observer?.queueDepthChanged(depth)
                return (batch, spread)
            }
            if state.withLock({ $0.shuttingDown && $0.queue.isEmpty }) { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.queue.isEmpty || state.shuttingDown { return true }
                    state.idleWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Answers the waiters of shed jobs with ``CoreError/queueTimeout(waitedMilliseconds:limitMilliseconds:)``.
    private func refuse(_ jobs: [BatchQueue<Submitted>.Job], now: ContinuousClock.Instant) {
        let limit = Self.milliseconds(maxQueueWait ?? .zero)
        for job in jobs {
            for (_, waiter) in job.waiters {
                waiter.continuation.resume(throwing: CoreError.queueTimeout(waitedMilliseconds: Self.milliseconds(now - waiter.enqueued),
                                                                            limitMilliseconds: limit))
            }
        }
        for (model, count) in Dictionary(jobs.map { ($0.model, $0.waiters.count) }, uniquingKeysWith: +) {
            observer?.shed(model: engines[model].model.qualifiedName, texts: count)
        }
        logger.debug("queue deadline: texts shed", metadata: ["jobs": "\(jobs.count)"])
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    private func process(_ batch: [BatchQueue<Submitted>.Job], lane: Int, spread: Bool) async {
        let started = ContinuousClock.now
        // A batch serves many requests (of many traces): its span is a root of its own, linked to
        // each request's span, and each request's `inference` span links back to it.
        let span = tracer?.startAnySpan("inference.batch", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now,
                                        function: #function, file: #fileID, line: #line)
        let result: Result<[[Float]], any Error>
        do {
            // A batch holds one model's jobs (see `BatchQueue`).
            let engine = engines[batch[0].model]
            let inputs = batch.map(\.item.input)
            result = .success(spread ? try await engine.run(inputs) : try await engine.run(inputs, lane: lane))
        } catch {
            logger.error("inference failed", metadata: ["error": "\(error)", "batch": "\(batch.count)"])
            result = .failure(error)
        }
        let inference = ContinuousClock.now - started
        observer?.batchCompleted(model: engines[batch[0].model].model.qualifiedName, size: batch.count, tokens: batch.reduce(0) { $0 + $1.tokens.count }, duration: inference)
        let jobIDs = batch.map(\.id)
        let tokens = batch.reduce(0) { $0 + $1.tokens.count }
        // Lane-time per token: a spread batch used every lane for its duration.
        let sample = tokens > 0 && result.isSuccess ? inference * (spread ? lanes : 1) / tokens : nil
        let waiters = state.withLock { state in
            if let sample {
                state.costPerToken = state.costPerToken.map { $0 * 0.8 + sample * 0.2 } ?? sample
            }
            state.queue.release()
            return jobIDs.map { state.queue.finish(jobID: $0) }
        }
        var batchTrace: BatchTrace?
        if let span {
            span.attributes["smally.model"] = engines[batch[0].model].model.name
            span.attributes["smally.batch.size"] = batch.count
            span.attributes["smally.batch.tokens"] = tokens
            span.attributes["smally.batch.lane"] = spread ? -1 : lane
            for jobWaiters in waiters {
                for waiter in jobWaiters { if let trace = waiter.trace { span.addLink(SpanLink(context: trace, attributes: [:])) } }
            }
            if case .failure(let error) = result { span.recordError(error) }
            span.end()
            batchTrace = BatchTrace(context: span.context)
        }
        for (index, jobWaiters) in waiters.enumerated() {
            for waiter in jobWaiters {
                let timing = BatchTiming(queue: started - waiter.enqueued, inference: inference, batch: batchTrace)
                // A waiter that joined its job after the batch started (single-flight) waited 0, not less.
                observer?.queueWaited(max(.zero, timing.queue))
                switch result {
                case .success(let vectors): waiter.continuation.resume(returning: (vectors[index], timing))
                case .failure(let error): waiter.continuation.resume(throwing: error)
                }
            }
        }
        observer?.queueDepthChanged(queueDepth)
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
