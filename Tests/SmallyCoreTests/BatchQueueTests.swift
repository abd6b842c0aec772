@testable import SmallyCore
import SmallyEngine
import Testing

/// The batcher's pure state machine: batching limits, single-flight, cancellation.
@Suite("BatchQueue")
struct BatchQueueTests {
    @Test("batches respect arrival order, batch size and token budget; the first job always fits")
    func limits() {
        var queue = BatchQueue<String>(maxQueuedJobs: 100, maxBatchSize: 3, maxBatchTokens: 10)
        _ = queue.submit([1, 2, 3, 4], ticket: 0, waiter: "a")
        _ = queue.submit([5, 6, 7, 8], ticket: 1, waiter: "b")
        _ = queue.submit([9, 10, 11], ticket: 2, waiter: "c")
        _ = queue.submit([12], ticket: 3, waiter: "d")
        let first = queue.nextBatch()
        #expect(first.map(\.tokens) == [[1, 2, 3, 4], [5, 6, 7, 8]])   // 8 tokens; + 3 would exceed 10
        let second = queue.nextBatch()
        #expect(second.map(\.tokens) == [[9, 10, 11], [12]])
        #expect(queue.nextBatch().isEmpty)

        var big = BatchQueue<String>(maxQueuedJobs: 10, maxBatchSize: 8, maxBatchTokens: 2)
        _ = big.submit([1, 2, 3, 4, 5], ticket: 0, waiter: "x")
        #expect(big.nextBatch().count == 1)
    }

    @Test("a lane takes its share of the queue; only a lone text with every other lane idle is spread")
    func lanes() {
        var queue = BatchQueue<String>(maxQueuedJobs: 100, maxBatchSize: 4, maxBatchTokens: 1_000)
        for i in 0..<7 { _ = queue.submit([Int32(i)], ticket: UInt64(i), waiter: "w\(i)") }
        let first = queue.take(lanes: 2)        // ⌈7/2⌉ = 4
        #expect(first.batch.map(\.tokens) == [[0], [1], [2], [3]])
        #expect(!first.spread)
        #expect(queue.busyLanes == 1)
        let second = queue.take(lanes: 2)       // ⌈3/2⌉ = 2: the rest is left for the first lane
        #expect(second.batch.map(\.tokens) == [[4], [5]])
        #expect(!second.spread)
        let third = queue.take(lanes: 2)        // a lone text, but other lanes are busy
        #expect(third.batch.map(\.tokens) == [[6]] && !third.spread)
        #expect(queue.take(lanes: 2).batch.isEmpty)
        #expect(queue.busyLanes == 3)
        for _ in 0..<3 { queue.release() }
        #expect(queue.busyLanes == 0)

        _ = queue.submit([9], ticket: 9, waiter: "alone")
        let alone = queue.take(lanes: 2)        // nothing else queued, no lane busy
        #expect(alone.batch.count == 1 && alone.spread)
        queue.release()

        _ = queue.submit([10], ticket: 10, waiter: "a")
        _ = queue.submit([11], ticket: 11, waiter: "b")
        let pair = queue.take(lanes: 2)         // one of two: not alone, so not spread
        #expect(pair.batch.count == 1 && !pair.spread)
        let other = queue.take(lanes: 2)        // the other lane takes the other one
        #expect(other.batch.map(\.tokens) == [[11]] && !other.spread)
        queue.release()
        queue.release()

        // One lane: the whole queue up to the batch size, always spread.
        for i in 20..<26 { _ = queue.submit([Int32(i)], ticket: UInt64(i), waiter: "x") }
        let single = queue.take(lanes: 1)
        #expect(single.batch.count == 4 && single.spread)
        #expect(queue.take(lanes: 1).batch.count == 2)
    }

    @Test("jobs older than the deadline are shed from every model's queue, with all their waiters; younger ones stay")
    func deadline() {
        let start = ContinuousClock.now
        var queue = BatchQueue<String>(maxQueuedJobs: 100, maxBatchSize: 8, maxBatchTokens: 1_000, maxWait: .milliseconds(100))
        _ = queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [1])), ticket: 0, waiter: "old0", at: start)
        _ = queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [2])), ticket: 1, waiter: "old1", at: start + .milliseconds(10))
        _ = queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [1])), ticket: 2, waiter: "joined", at: start + .milliseconds(150))
        _ = queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [3])), ticket: 3, waiter: "young0", at: start + .milliseconds(60))
        _ = queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [4])), ticket: 4, waiter: "young1", at: start + .milliseconds(90))
        #expect(queue.shedExpired(now: start + .milliseconds(100)).isEmpty)   // waited exactly the limit: kept
        let shed = queue.shedExpired(now: start + .milliseconds(160))
        // A job is as old as its first waiter: one who joined it late goes with it.
        #expect(shed.map { $0.waiters.map(\.waiter) } == [["old0", "joined"], ["old1"]])
        #expect(queue.queuedCount == 2 && queue.hasRoom(for: 98))
        #expect(queue.queuedTokens == 2)                                      // [3] and [4] remain
        #expect(queue.cancel(ticket: 0) == nil)                               // no longer queued
        #expect(queue.submit([1], ticket: 5, waiter: "again", at: start + .milliseconds(160)) == .queued)
        #expect(queue.nextBatch().map(\.tokens) == [[3], [1]])
        #expect(queue.nextBatch().map(\.tokens) == [[4]])

        var unbounded = BatchQueue<String>(maxQueuedJobs: 10, maxBatchSize: 8, maxBatchTokens: 100)
        _ = unbounded.submit([1], ticket: 0, waiter: "a", at: start)
        #expect(unbounded.shedExpired(now: start + .seconds(3_600)).isEmpty)
        #expect(unbounded.queuedCount == 1)
    }

    @Test("identical sequences queued or running are computed once")
    func singleFlight() {
        var queue = BatchQueue<String>(maxQueuedJobs: 10, maxBatchSize: 8, maxBatchTokens: 100)
        #expect(queue.submit([1, 2], ticket: 0, waiter: "a") == .queued)
        #expect(queue.submit([1, 2], ticket: 1, waiter: "b") == .joined)
        #expect(queue.queuedCount == 1)
        let batch = queue.nextBatch()
        #expect(batch.count == 1)
        #expect(queue.submit([1, 2], ticket: 2, waiter: "c") == .joined)   // joins the running job
        #expect(queue.finish(jobID: batch[0].id) == ["a", "b", "c"])
        #expect(queue.submit([1, 2], ticket: 3, waiter: "d") == .queued)   // finished: computed anew
    }

    @Test("a cancelled waiter is removed; a job nobody waits for is dropped before inference")
    func cancellation() {
        var queue = BatchQueue<String>(maxQueuedJobs: 10, maxBatchSize: 8, maxBatchTokens: 100)
        _ = queue.submit([1], ticket: 0, waiter: "a")
        _ = queue.submit([1], ticket: 1, waiter: "b")
        _ = queue.submit([2], ticket: 2, waiter: "c")
        #expect(queue.cancel(ticket: 0) == "a")
        #expect(queue.queuedCount == 2)
        #expect(queue.cancel(ticket: 2) == "c")
        #expect(queue.queuedCount == 1)
        #expect(queue.cancel(ticket: 99) == nil)
        let batch = queue.nextBatch()
        #expect(batch.map(\.tokens) == [[1]])
        #expect(queue.finish(jobID: batch[0].id) == ["b"])
    }

    @Test("room is counted in queued jobs")
    func room() {
        var queue = BatchQueue<String>(maxQueuedJobs: 2, maxBatchSize: 8, maxBatchTokens: 100)
        #expect(queue.hasRoom(for: 2))
        _ = queue.submit([1], ticket: 0, waiter: "a")
        #expect(queue.hasRoom(for: 1))
        #expect(!queue.hasRoom(for: 2))
    }
}

@Suite("BatchQueue with several models")
struct BatchQueueModelTests {
    @Test("batches hold one model's jobs and the models take turns, each in its own arrival order")
    func modelsTakeTurns() {
        var queue = BatchQueue<String>(maxQueuedJobs: 100, maxBatchSize: 2, maxBatchTokens: 1_000)
        for i in 0..<6 { _ = queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [Int32(i)])), ticket: UInt64(i), waiter: "a\(i)") }
        _ = queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [100])), ticket: 10, waiter: "b0")
        _ = queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [101])), ticket: 11, waiter: "b1")
        _ = queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [102])), ticket: 12, waiter: "b2")
        #expect(queue.queuedCount == 9)
        let batches = (0..<5).map { _ in queue.nextBatch() }
        #expect(batches.map { $0.map(\.model) } == [[0, 0], [1, 1], [0, 0], [1], [0, 0]])
        #expect(batches.map { $0.map(\.tokens) } == [[[0], [1]], [[100], [101]], [[2], [3]], [[102]], [[4], [5]]])
        #expect(queue.isEmpty)
    }

    @Test("a lane's share counts every model's queued texts: the first lane takes one model's four, not two")
    func laneShareAcrossModels() {
        var queue = BatchQueue<String>(maxQueuedJobs: 100, maxBatchSize: 64, maxBatchTokens: 1_000)
        for i in 0..<4 {
            _ = queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [Int32(i)])), ticket: UInt64(i), waiter: "a")
            _ = queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [Int32(100 + i)])), ticket: UInt64(10 + i), waiter: "b")
        }
        let first = queue.take(lanes: 2)
        let second = queue.take(lanes: 2)
        let third = queue.take(lanes: 2)
        // Half of 8; then half of what is left (as with one model), the other model's turn.
        #expect(first.batch.map(\.model) == [0, 0, 0, 0] && !first.spread)
        #expect(second.batch.map(\.model) == [1, 1] && !second.spread)
        #expect(third.batch.map(\.model) == [1])
        #expect(queue.take(lanes: 2).batch.map(\.model) == [1])
        #expect(queue.isEmpty)
    }

    @Test("the same tokens for two models, or with another pooling start, are different jobs")
    func identityIncludesModelAndInput() {
        var queue = BatchQueue<String>(maxQueuedJobs: 100, maxBatchSize: 8, maxBatchTokens: 1_000)
        #expect(queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [1, 2])), ticket: 0, waiter: "a") == .queued)
        #expect(queue.submit(BatchItem(model: 1, input: EncoderInput(ids: [1, 2])), ticket: 1, waiter: "b") == .queued)
        #expect(queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [1, 2], poolingStart: 1)), ticket: 2, waiter: "c") == .queued)
        #expect(queue.submit(BatchItem(model: 0, input: EncoderInput(ids: [1, 2])), ticket: 3, waiter: "d") == .joined)
        #expect(queue.queuedCount == 3)
    }
}
