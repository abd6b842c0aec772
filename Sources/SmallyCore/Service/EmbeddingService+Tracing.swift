import Tracing

extension EmbeddingService {
    /// Runs `body` in a span named `name`, a child of the current one, when tracing is on; without
    /// a tracer it just runs `body` (no task-local read, no allocation).
    func traced<T>(_ name: String, _ body: () throws -> T) throws -> T {
        guard let tracer else { return try body() }
        let span = tracer.startAnySpan(name, context: ServiceContext.current ?? .topLevel, ofKind: .internal, at: DefaultTracerClock.now,
                                       function: #function, file: #fileID, line: #line)
        defer { span.end() }
        do {
            return try body()
        } catch {
            span.recordError(error)
            throw error
        }
    }

    func traced<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        guard let tracer else { return try await body() }
        let span = tracer.startAnySpan(name, context: ServiceContext.current ?? .topLevel, ofKind: .internal, at: DefaultTracerClock.now,
                                       function: #function, file: #fileID, line: #line)
        defer { span.end() }
        do {
            return try await ServiceContext.withValue(span.context) { try await body() }
        } catch {
            span.recordError(error)
            throw error
        }
    }

    /// `queue.wait` and `inference`, children of the current span, placed after the fact from the
    /// batcher's timings (the longest among the request's texts): the wait ran from `submitted`,
    /// inference right after it. `inference` links to the batch span(s) that computed the texts.
    static func recordBatchSpans(_ tracer: any Tracer, submitted: UInt64, queue: Duration, inference: Duration,
                                 results: [([Float], BatchTiming)]) {
        let parent = ServiceContext.current ?? .topLevel
        // The batcher's durations are monotonic-clock ones laid on the wall clock from `submitted`; the
        // sum can overshoot the present by a little (clock slew, the batch's own bookkeeping), and a span
        // must not end after the request that waits for it: both ends are capped at now.
        let now = DefaultTracerClock.now.nanosecondsSinceEpoch
        let queued = min(submitted + nanoseconds(queue), now)
        let wait = tracer.startAnySpan("queue.wait", context: parent, ofKind: .internal,
                                       at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: submitted),
                                       function: #function, file: #fileID, line: #line)
        wait.attributes["smally.texts"] = results.count
        wait.end(at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: queued))
        let span = tracer.startAnySpan("inference", context: parent, ofKind: .internal,
                                       at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: queued),
                                       function: #function, file: #fileID, line: #line)
        span.attributes["smally.texts"] = results.count
        var linked: [BatchTrace] = []
        for (_, timing) in results {
            // Texts of one request mostly share a batch: one link per batch, not per text.
            guard let batch = timing.batch, !linked.contains(where: { $0 === batch }) else { continue }
            linked.append(batch)
            span.addLink(SpanLink(context: batch.context, attributes: [:]))
        }
        span.end(at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: min(queued + nanoseconds(inference), now)))
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
    }
}
