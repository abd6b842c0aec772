import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Records usage off the request path: `record` adds to an in-memory ``UsageBuffer`` (one short
/// lock, no I/O); `run()` upserts the buffer in one transaction every `flushInterval`.
///
/// - While the store fails, the batch is retried (same id, so never counted twice) with backoff
///   up to 10 s; new events keep being summed. A warning is logged when writing starts failing
///   and an info line when it recovers.
/// - The buffer is bounded (`maxBuckets`); events that would need a bucket beyond it are dropped,
///   counted in `smally_usage_dropped_events_total` and logged (at most every 10 s).
/// - With a ``UsageJournal``, every event is also appended to a local file before the response
///   leaves, and files left by a killed process are written at the next start (once each).
/// - On graceful shutdown it flushes what is left, retrying for up to `finalFlushTimeout`. Add it
///   to the services *after* the store's client and *before* the HTTP server, so it stops after
///   the last request and before the database.
public final class UsageRecorder: Service, Sendable {
    private let store: any AccountStore
    private let flushInterval: Duration
    private let writeTimeout: Duration
    private let finalFlushTimeout: Duration
    private let logger: Logger
    private let buffer: Mutex<UsageBuffer>
    /// Appended to under `buffer`'s lock (see ``UsageJournal``).
    private let journal: UsageJournal?
    /// Held while a batch is committed and then marked written, and while a report reads the
    /// store and the buffer: otherwise a report could read the store just before a commit and the
    /// buffer just after it, and miss that batch (or count it twice the other way round).
    private let commitLock = AsyncLock()
    private let health = Mutex(Health())

    private let droppedCounter = Counter(label: "smally_usage_dropped_events_total")
    private let failureCounter = Counter(label: "smally_usage_flush_failures_total")
    private let writtenCounter = Counter(label: "smally_usage_rows_written_total")
    private let bufferedGauge = Gauge(label: "smally_usage_buffered_buckets")

    private struct Health {
        var failing = false
        var lastDropLog: Date?
        var lastPrune: Date?
    }

    /// Applied-batch markers older than this are deleted (a batch is retried for seconds to hours,
    /// never for days), at most once an hour per node.
    static let batchMarkerRetention: TimeInterval = 7 * 24 * 3600
    static let batchMarkerPruneInterval: TimeInterval = 3600

    /// - Parameters:
    ///   - flushInterval: default 1 s.
    ///   - maxBuckets: default 100,000 (organization × key × minute); ~100 bytes each.
    ///   - writeTimeout: one write attempt gives up after this; default 5 s.
    ///   - finalFlushTimeout: how long shutdown keeps retrying; default 10 s.
    public init(store: any AccountStore, flushInterval: Duration = .seconds(1), maxBuckets: Int = 100_000,
                writeTimeout: Duration = .seconds(5), finalFlushTimeout: Duration = .seconds(10), journal: UsageJournal? = nil,
                logger: Logger) {
        self.journal = journal
        self.store = store
        self.flushInterval = flushInterval
        self.writeTimeout = writeTimeout
        self.finalFlushTimeout = finalFlushTimeout
        self.logger = logger
        self.buffer = Mutex(UsageBuffer(maxBuckets: maxBuckets))
    }

    /// Adds one request's usage. Never blocks on I/O.
    public func record(organizationID: String, keyID: String, model: String = "", counts: UsageCounts, at date: Date = Date()) {
        let bucket = UsageBucket(organizationID: organizationID, keyID: keyID, at: date, model: model)
        let journal = self.journal
        let accepted = buffer.withLock { buffer in
            guard buffer.record(bucket, counts, at: date) else { return false }
            journal?.append(bucket, counts, at: date)
            return true
        }
        if !accepted {
            droppedCounter.increment()
            let now = Date()
            let shouldLog = health.withLock { health -> Bool in
                if let last = health.lastDropLog, now.timeIntervalSince(last) < 10 { return false }
                health.lastDropLog = now
                return true
            }
            if shouldLog {
                let dropped = buffer.withLock { $0.takeDropped() }
                logger.error("usage buffer full: dropping usage events until the store catches up",
                             metadata: ["dropped": "\(dropped)", "max_buckets": "\(buffer.withLock { $0.maxBuckets })"])
            }
        }
    }

    /// Usage recorded but not yet written, per key (added to the store's figures by `/v1/usage`).
    public func unwritten(organizationID: String, from: Date, to: Date) -> [String: UsageCounts] {
        buffer.withLock { $0.unwritten(organizationID: organizationID, from: from, to: to) }
    }

    /// The same, per model.
    public func unwrittenByModel(organizationID: String, from: Date, to: Date) -> [String: UsageCounts] {
        buffer.withLock { $0.unwritten(organizationID: organizationID, from: from, to: to, by: \.model) }
    }

    public var isEmpty: Bool { buffer.withLock { $0.isEmpty } }

    /// Runs `body` while no batch is being committed, so that what it reads from the store and
    /// `unwritten(…)` together count every event exactly once.
    public func withCommitsPaused<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await commitLock.withLock(body)
    }

    public func run() async throws {
        var delay = flushInterval
        var backoff = Duration.seconds(1)
        var leftOver = journal?.leftOver() ?? []
        if !leftOver.isEmpty {
            logger.notice("usage journal: writing usage left by a process that did not stop cleanly",
                          metadata: ["batches": "\(leftOver.count)", "requests": "\(leftOver.reduce(UsageCounts.zero) { $0 + $1.totals }.requests)"])
        }
        while true {
            leftOver = await writeLeftOver(leftOver)
            // Only the wait is cut short by shutdown; a write in progress is never interrupted.
            try? await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            if await flush() {
                delay = flushInterval
                backoff = .seconds(1)
                await pruneAppliedBatchesIfDue()
            } else {
                delay = max(flushInterval, backoff)
                backoff = min(backoff * 2, .seconds(10))
            }
        }
        await finalFlush()
    }

    /// Writes the journal's left-over batches (each under its own id: one already applied before
    /// the crash is skipped by the store); returns those that could not be written yet.
    private func writeLeftOver(_ batches: [UsageBatch]) async -> [UsageBatch] {
        guard let journal else { return [] }
        var remaining: [UsageBatch] = []
        for batch in batches {
            do {
                let store = self.store
                try await commitLock.withLock {
                    try await withDeadline(writeTimeout) { try await store.apply(batch) }
                }
                journal.written(batch.id)
            } catch {
                remaining.append(batch)
            }
        }
        return remaining
    }

    /// Writes what is buffered (at most one batch). True when the buffer had nothing to write or
    /// the write succeeded.
    @discardableResult
    public func flush() async -> Bool {
        let journal = self.journal
        // The journal's current file becomes this batch (same events, same id).
        guard let batch = buffer.withLock({ buffer in
            buffer.inFlight == nil && !buffer.pending.isEmpty ? buffer.nextBatch(id: journal?.seal()) : buffer.nextBatch()
        }) else { return true }
        bufferedGauge.record(buffer.withLock { $0.bucketCount })
        do {
            let store = self.store
            let writeTimeout = self.writeTimeout
            try await commitLock.withLock {
                try await withDeadline(writeTimeout) { try await store.apply(batch) }
                buffer.withLock { $0.completed(batch.id) }
            }
            journal?.written(batch.id)
            writtenCounter.increment(by: batch.counts.count)
            bufferedGauge.record(buffer.withLock { $0.bucketCount })
            let recovered = health.withLock { health in defer { health.failing = false }; return health.failing }
            if recovered {
                logger.info("usage writes recovered", metadata: ["rows": "\(batch.counts.count)"])
            }
            return true
        } catch {
            failureCounter.increment()
            let first = health.withLock { health in defer { health.failing = true }; return !health.failing }
            let buffered = buffer.withLock { $0.bucketCount }
            if first {
                logger.warning("cannot write usage; keeping it in memory and retrying",
                               metadata: ["error": "\(error)", "buffered_buckets": "\(buffered)"])
            } else {
                logger.debug("usage write failed again", metadata: ["error": "\(error)", "buffered_buckets": "\(buffered)"])
            }
            return false
        }
    }

    /// Deletes applied-batch markers older than `batchMarkerRetention`, if the last prune on this
    /// node is more than `batchMarkerPruneInterval` ago. Failure is logged and tried again later.
    func pruneAppliedBatchesIfDue(now: Date = Date()) async {
        let due = health.withLock { health -> Bool in
            if let last = health.lastPrune, now.timeIntervalSince(last) < Self.batchMarkerPruneInterval { return false }
            health.lastPrune = now
            return true
        }
        guard due else { return }
        do {
            let store = self.store
            let cutoff = now.addingTimeInterval(-Self.batchMarkerRetention)
            let pruned = try await withDeadline(writeTimeout) { try await store.pruneAppliedBatches(before: cutoff) }
            if pruned > 0 { logger.debug("pruned applied usage batch markers", metadata: ["rows": "\(pruned)"]) }
        } catch {
            logger.debug("cannot prune applied usage batch markers; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Flushes until the buffer is empty, retrying for up to `finalFlushTimeout`.
    public func finalFlush() async {
        let deadline = ContinuousClock.now + finalFlushTimeout
        while !isEmpty {
            if await flush() { continue }
            if ContinuousClock.now >= deadline || Task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
        if !isEmpty {
            let lost = buffer.withLock { $0.unwrittenTotals }
            logger.error("shutting down with usage not written", metadata: [
                "requests": "\(lost.requests)", "embeddings": "\(lost.embeddings)", "tokens": "\(lost.tokens)",
            ])
        }
    }
}
