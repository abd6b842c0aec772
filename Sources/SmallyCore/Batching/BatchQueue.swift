import DequeModule
import SmallyEngine

/// The pure state of the dynamic batcher: queued jobs in arrival order, jobs being computed, and
/// who waits for each. No locks, no I/O, so it is tested directly; `Batcher` wraps it in a mutex.
///
/// A job is one distinct sequence of one model. Identical ones submitted while one is queued or
/// running join that job instead of being computed again (single-flight).
///
/// Each model has its own arrival order and a batch holds one model's jobs; the models take turns
/// (round robin over those with work), so a burst on one model delays another's batch by one batch
/// at most instead of queueing it behind the whole burst.
///
/// With a queue deadline (`maxWait`), a job that has waited longer than it when a lane looks
/// for work is shed (``shedExpired(now:)``) rather than computed late: its callers get an error
/// they can retry elsewhere, and the work behind it starts sooner.
struct BatchQueue<Waiter> {
    struct Job {
        let id: UInt64
        let item: BatchItem
        var waiters: [(ticket: UInt64, waiter: Waiter)]
        /// When the job was queued (its first waiter); the deadline counts from here.
        let enqueued: ContinuousClock.Instant

        var tokens: [Int32] { item.input.ids }
        var model: Int { item.model }
    }

    enum SubmitResult: Equatable {
        case queued
        case joined
    }

    let maxQueuedJobs: Int
    let maxBatchSize: Int
    let maxBatchTokens: Int
    /// Longest a job may wait for a lane before it is shed; nil = no deadline.
    let maxWait: Duration?

    private(set) var queued: [UInt64: Job] = [:]
    /// Arrival order per model (index = model).
    private var orders: [Deque<UInt64>] = [[]]
    private var queuedByItem: [BatchItem: UInt64] = [:]
    private(set) var running: [UInt64: Job] = [:]
    private var runningByItem: [BatchItem: UInt64] = [:]
    /// The model whose turn it is to form the next batch (if it has work).
    private var turn = 0
    private(set) var queuedCount = 0
    /// Tokens of the queued jobs: what the lanes still have to compute before a new arrival.
    private(set) var queuedTokens = 0
    private var nextJobID: UInt64 = 0
    /// Lanes running a batch taken with `take(lanes:)` and not yet `release`d.
    private(set) var busyLanes = 0

    init(maxQueuedJobs: Int, maxBatchSize: Int, maxBatchTokens: Int, maxWait: Duration? = nil) {
        self.maxQueuedJobs = maxQueuedJobs
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxBatchTokens = max(1, maxBatchTokens)
        self.maxWait = maxWait
    }

    var isEmpty: Bool { queuedCount == 0 }

    /// Whether `count` more new jobs fit in the queue (backpressure is decided before anything of
    /// a request is enqueued, so a request is admitted whole or not at all).
    func hasRoom(for count: Int) -> Bool {
        queuedCount + count <= maxQueuedJobs
    }

    /// Adds a waiter for `item`, joining an identical queued or running job when there is one.
    mutating func submit(_ item: BatchItem, ticket: UInt64, waiter: Waiter,
                         at now: ContinuousClock.Instant = .now) -> SubmitResult {
        if let id = queuedByItem[item] {
            queued[id]!.waiters.append((ticket, waiter))
            return .joined
        }
        if let id = runningByItem[item] {
            running[id]!.waiters.append((ticket, waiter))
            return .joined
        }
        let id = nextJobID
        nextJobID += 1
        queued[id] = Job(id: id, item: item, waiters: [(ticket, waiter)], enqueued: now)
        queuedByItem[item] = id
        while orders.count <= item.model { orders.append([]) }
        orders[item.model].append(id)
        queuedCount += 1
        queuedTokens += item.input.ids.count
        return .queued
    }

    /// `submit` for model 0's plain token sequence.
    mutating func submit(_ tokens: [Int32], ticket: UInt64, waiter: Waiter,
                         at now: ContinuousClock.Instant = .now) -> SubmitResult {
        submit(BatchItem(model: 0, input: EncoderInput(ids: tokens)), ticket: ticket, waiter: waiter, at: now)
    }

    /// Removes every queued job that has waited longer than `maxWait` at `now` and returns them
    /// (their waiters are to be refused). Each model's queue is in arrival order, so the expired
    /// jobs are at its front. Nothing when there is no deadline.
    mutating func shedExpired(now: ContinuousClock.Instant) -> [Job] {
        guard let maxWait else { return [] }
        var shed: [Job] = []
        for model in orders.indices {
            while let id = orders[model].first, let job = queued[id], now - job.enqueued > maxWait {
                orders[model].removeFirst()
                queued[id] = nil
                queuedByItem[job.item] = nil
                queuedCount -= 1
                queuedTokens -= job.tokens.count
                shed.append(job)
            }
        }
        return shed
    }

    /// Removes a waiter whose caller has gone. A queued job left with no waiters is dropped
    /// before inference; a running one finishes but its result is discarded.
    mutating func cancel(ticket: UInt64) -> Waiter? {
        for (id, job) in queued {
            guard let index = job.waiters.firstIndex(where: { $0.ticket == ticket }) else { continue }
            let waiter = queued[id]!.waiters.remove(at: index).waiter
            if queued[id]!.waiters.isEmpty {
                queued[id] = nil
                queuedByItem[job.item] = nil
                orders[job.model].removeAll { $0 == id }
                queuedCount -= 1
                queuedTokens -= job.tokens.count
            }
            return waiter
        }
        for (id, job) in running {
            guard let index = job.waiters.firstIndex(where: { $0.ticket == ticket }) else { continue }
            return running[id]!.waiters.remove(at: index).waiter
        }
        return nil
    }

    /// The model whose turn it is among those with queued work (nil: nothing queued); the turn
    /// then passes to the next model.
    private mutating func nextModel() -> Int? {
        for step in 0..<orders.count {
            let model = (turn + step) % orders.count
            if !orders[model].isEmpty {
                turn = (model + 1) % orders.count
                return model
            }
        }
        return nil
    }

    /// Takes the next batch of one model (see ``nextModel()``) in its arrival order, bounded by the
    /// batch size, `limit` jobs and the token budget (the encoder packs sequences, so the cost of a
    /// batch is the sum of its lengths). The first job is always taken, even if alone it exceeds the budget.
    mutating func nextBatch(limit: Int = .max) -> [Job] {
        guard let model = nextModel() else { return [] }
        return nextBatch(of: model, limit: limit)
    }

    private mutating func nextBatch(of model: Int, limit: Int) -> [Job] {
        var batch: [Job] = []
        var tokens = 0
        let size = min(maxBatchSize, max(1, limit))
        while let id = orders[model].first, batch.count < size {
            let job = queued[id]!
            if !batch.isEmpty, tokens + job.tokens.count > maxBatchTokens { break }
            orders[model].removeFirst()
            queuedCount -= 1
            queuedTokens -= job.tokens.count
            queued[id] = nil
            queuedByItem[job.item] = nil
            running[id] = job
            runningByItem[job.item] = id
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
        guard let model = nextModel() else { return ([], false) }
        // The share counts every model's work: with two models' texts queued, each lane takes one
        // model's whole share instead of half-sized batches of both.
        let batch = nextBatch(of: model, limit: (queuedCount + lanes - 1) / lanes)
        guard !batch.isEmpty else { return ([], false) }
        let spread = lanes == 1 || (batch.count == 1 && busyLanes == 0 && queuedCount == 0)
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
        runningByItem[job.item] = nil
        return job.waiters.map(\.waiter)
    }
}

extension BatchQueue: Sendable where Waiter: Sendable {}
extension BatchQueue.Job: Sendable where Waiter: Sendable {}

/// What the batcher computes: one encoder input of one model (index into the batcher's engines).
struct BatchItem: Hashable, Sendable {
    var model: Int
    var input: EncoderInput
}
