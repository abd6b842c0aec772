import DequeModule

/// The pure state of the dynamic batcher: queued jobs in arrival order, jobs being computed, and
/// who waits for each. No locks, no I/O, so it is tested directly; `Batcher` wraps it in a mutex.
///
/// A job is one distinct token sequence. Identical sequences submitted while one is queued or
/// running join that job instead of being computed again (single-flight).
struct BatchQueue<Waiter> {
    struct Job {
        let id: UInt64
        let tokens: [Int32]
        var waiters: [(ticket: UInt64, waiter: Waiter)]
    }

    enum SubmitResult: Equatable {
        case queued
        case joined
    }

    let maxQueuedJobs: Int
    let maxBatchSize: Int
    let maxBatchTokens: Int

    private(set) var queued: [UInt64: Job] = [:]
    private var order: Deque<UInt64> = []
    private var queuedByTokens: [[Int32]: UInt64] = [:]
    private(set) var running: [UInt64: Job] = [:]
    private var runningByTokens: [[Int32]: UInt64] = [:]
    private var nextJobID: UInt64 = 0
    /// Lanes running a batch taken with `take(lanes:)` and not yet `release`d.
    private(set) var busyLanes = 0

    init(maxQueuedJobs: Int, maxBatchSize: Int, maxBatchTokens: Int) {
        self.maxQueuedJobs = maxQueuedJobs
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxBatchTokens = max(1, maxBatchTokens)
    }

    var queuedCount: Int { order.count }
    var isEmpty: Bool { order.isEmpty }

    /// Whether `count` more new jobs fit in the queue (backpressure is decided before anything of
    /// a request is enqueued, so a request is admitted whole or not at all).
    func hasRoom(for count: Int) -> Bool {
        order.count + count <= maxQueuedJobs
    }

    /// Adds a waiter for `tokens`, joining an identical queued or running job when there is one.
    mutating func submit(_ tokens: [Int32], ticket: UInt64, waiter: Waiter) -> SubmitResult {
        if let id = queuedByTokens[tokens] {
            queued[id]!.waiters.append((ticket, waiter))
            return .joined
        }
        if let id = runningByTokens[tokens] {
            running[id]!.waiters.append((ticket, waiter))
            return .joined
        }
        let id = nextJobID
        nextJobID += 1
        queued[id] = Job(id: id, tokens: tokens, waiters: [(ticket, waiter)])
        queuedByTokens[tokens] = id
        order.append(id)
        return .queued
    }

    /// Removes a waiter whose caller has gone. A queued job left with no waiters is dropped
    /// before inference; a running one finishes but its result is discarded.
    mutating func cancel(ticket: UInt64) -> Waiter? {
        for (id, job) in queued {
            guard let index = job.waiters.firstIndex(where: { $0.ticket == ticket }) else { continue }
            let waiter = queued[id]!.waiters.remove(at: index).waiter
            if queued[id]!.waiters.isEmpty {
                queued[id] = nil
                queuedByTokens[job.tokens] = nil
                order.removeAll { $0 == id }
            }
            return waiter
        }
        for (id, job) in running {
            guard let index = job.waiters.firstIndex(where: { $0.ticket == ticket }) else { continue }
            return running[id]!.waiters.remove(at: index).waiter
        }
        return nil
    }

    /// Takes the next batch in arrival order, bounded by the batch size, `limit` jobs and the token
    /// budget (the encoder packs sequences, so the cost of a batch is the sum of its lengths). The
    /// first job is always taken, even if alone it exceeds the budget.
    mutating func nextBatch(limit: Int = .max) -> [Job] {
        var batch: [Job] = []
        var tokens = 0
        let size = min(maxBatchSize, max(1, limit))
        while let id = order.first, batch.count < size {
            let job = queued[id]!
            if !batch.isEmpty, tokens + job.tokens.count > maxBatchTokens { break }
            order.removeFirst()
            queued[id] = nil
            queuedByTokens[job.tokens] = nil
            running[id] = job
            runningByTokens[job.tokens] = id
            tokens += job.tokens.count
            batch.append(job)
        }
        return batch
    }

    /// What a lane that finds work runs next: its share of the queue (1/`lanes` of it, rounded
    /// up, so that lanes get batches of about equal size), and whether to spread it over all CPUs:
    /// always with one lane; with several only for a lone text (no other lane busy, nothing else
    /// queued), where the lower latency is worth it. Spreading bigger batches was measured slower
    /// under load: the lanes' batches fragment while one is spread. Marks the lane busy.
    mutating func take(lanes: Int) -> (batch: [Job], spread: Bool) {
        let lanes = max(1, lanes)
        let batch = nextBatch(limit: (order.count + lanes - 1) / lanes)
        guard !batch.isEmpty else { return ([], false) }
        let spread = lanes == 1 || (batch.count == 1 && busyLanes == 0 && order.isEmpty)
        busyLanes += 1
        return (batch, spread)
    }

    /// A lane has finished the batch it took.
    mutating func release() {
        busyLanes = max(0, busyLanes - 1)
    }

    /// Ends a running job and returns everyone waiting for it (including those who joined while it ran).
    mutating func finish(jobID: UInt64) -> [Waiter] {
        guard let job = running.removeValue(forKey: jobID) else { return [] }
        runningByTokens[job.tokens] = nil
        return job.waiters.map(\.waiter)
    }
}

extension BatchQueue: Sendable where Waiter: Sendable {}
extension BatchQueue.Job: Sendable where Waiter: Sendable {}
