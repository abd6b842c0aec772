import Dispatch
import Foundation

/// Runs the encoder on serial dispatch queues of its own ("lanes", one per CPU, each with its own
/// encoder: scratch buffers separate, weights shared), so the matrix products never occupy a thread
/// of Swift's cooperative pool or a NIO event loop; async callers suspend until their batch is done.
///
/// A batch either runs on one lane, single-threaded (several lanes then work on different
/// batches at the same time, see `Batcher`), or is *spread* over all CPUs: a single text is
/// computed by all lanes together, each taking a share of every step, a larger batch is split into
/// one group per lane (see ``splitMinimumTexts``).
public final class InferenceEngine: Sendable {
    public let model: EmbeddingModel
    public let threads: Int
    /// Batches of at least this many texts are spread by splitting them into `threads` groups that
    /// run at the same time, each on one CPU (0: never split). Smaller spread batches are computed
    /// by all lanes together.
    public let splitMinimumTexts: Int
    private let lanes: [Lane]

    /// Owned by the queue it is used on: the encoder is only touched inside blocks submitted to it,
    /// except by the helpers of a pass that lane 0 computes with the other lanes (`together`), which
    /// lane 0 waits for.
    private struct Lane: @unchecked Sendable {
        let queue: LaneThread
        let encoder: BertEncoder
    }

    /// Lanes that can run batches at the same time: one per inference CPU.
    public var laneCount: Int { lanes.count }

    /// - Parameters:
    ///   - threads: CPUs used for inference; defaults to what this process may use.
    ///   - splitMinimumTexts: see ``splitMinimumTexts``; 2 by default (split whenever there are two texts:
    ///     measured as fast as threads inside each product on an idle machine, and twice as fast when
    ///     another process keeps one CPU busy).
    /// The kernel of the packed products (`SMALLY_KERNEL`; the fastest this CPU runs by default).
    public let kernel: PackedKernel
    /// The kernel of the int8 layers.
    public var int8Kernel: Int8Kernel { lanes[0].encoder.int8Kernel }

    public convenience init(model: EmbeddingModel, threads: Int? = nil, splitMinimumTexts: Int? = nil, kernel: PackedKernel = .best) {
        self.init(model: model, lanes: InferenceLanes(threads: threads), splitMinimumTexts: splitMinimumTexts, kernel: kernel)
    }

    /// An engine on `lanes`, which other models' engines may share (one encoder per lane each).
    /// `int8Kernel` forces an int8 kernel (benchmarks: the AVX2 path on a VNNI CPU); by default the one
    /// of `kernel`'s family.
    public init(model: EmbeddingModel, lanes: InferenceLanes, splitMinimumTexts: Int? = nil, kernel: PackedKernel = .best,
                int8Kernel: Int8Kernel? = nil) {
        self.model = model
        self.kernel = kernel
        self.threads = lanes.count
        self.splitMinimumTexts = max(0, splitMinimumTexts ?? 2)
        self.lanes = lanes.queues.map { queue in
            Lane(queue: queue, encoder: BertEncoder(weights: model.weights, kernel: kernel, int8Kernel: int8Kernel))
        }
    }

    /// Per input, spread over all CPUs: for an embedding model the pooled, unnormalised vector (the
    /// model's pooling), for a cross-encoder the raw logits (`labelCount` floats). Spread batches always
    /// start on lane 0 (groups k on lane k), so they queue behind each other there and a group never
    /// waits for a lane that waits for it.
    public func run(_ inputs: [EncoderInput]) async throws -> [[Float]] {
        try await run(inputs, on: nil)
    }

    /// The same on lane `lane` (0 ..< ``laneCount``) alone, single-threaded, so other
    /// lanes can run other batches meanwhile.
    public func run(_ inputs: [EncoderInput], lane: Int) async throws -> [[Float]] {
        precondition(lanes.indices.contains(lane), "lane \(lane) outside 0..<\(lanes.count)")
        return try await run(inputs, on: lane)
    }

    /// The spread form, blocking the calling thread; for command-line tools and benchmarks.
    public func runSynchronously(_ inputs: [EncoderInput]) throws -> [[Float]] {
        let pooling = model.configuration.pooling
        return try lanes[0].queue.sync { try self.forward(inputs, pooling: pooling, lane: nil) }
    }

    /// ``run(_:)`` for token-id sequences alone (segment 0, every row pooled).
    public func embed(tokenIDs sequences: [[Int32]]) async throws -> [[Float]] {
        try await run(sequences.map { EncoderInput(ids: $0) })
    }

    /// ``run(_:lane:)`` for token-id sequences alone.
    public func embed(tokenIDs sequences: [[Int32]], lane: Int) async throws -> [[Float]] {
        try await run(sequences.map { EncoderInput(ids: $0) }, lane: lane)
    }

    /// ``runSynchronously(_:)`` for token-id sequences alone.
    public func embedSynchronously(tokenIDs sequences: [[Int32]]) throws -> [[Float]] {
        try runSynchronously(sequences.map { EncoderInput(ids: $0) })
    }

    /// `lane` nil: spread over all CPUs, from lane 0.
    private func run(_ inputs: [EncoderInput], on lane: Int?) async throws -> [[Float]] {
        let pooling = model.configuration.pooling
        return try await withCheckedThrowingContinuation { continuation in
            lanes[lane ?? 0].queue.async {
                continuation.resume(with: Result { try self.forward(inputs, pooling: pooling, lane: lane) })
            }
        }
    }

    /// Runs on `lanes[lane].queue`, or spread (`lane` nil) on lane 0's. A spread batch big enough is split into
    /// groups of about equal cost that run at the same time, one CPU each, group k on lane k: they never
    /// wait for each other. A smaller one (a lone text) is computed by a team: lane 0 and one helper on
    /// each other lane take a share of every step of the same pass and meet at a barrier between steps.
    private func forward(_ sequences: [EncoderInput], pooling: PoolingMode, lane: Int?) throws(EngineError) -> [[Float]] {
        if let lane {
            return try lanes[lane].encoder.forward(sequences, pooling: pooling)
        }
        if threads > 1, splitMinimumTexts > 0, sequences.count >= max(2, splitMinimumTexts) {
            return try split(sequences, pooling: pooling)
        }
        if threads > 1, model.weights.isPacked {
            return try together(sequences, pooling: pooling)
        }
        return try lanes[0].encoder.forward(sequences, pooling: pooling, threads: threads)
    }

    /// One pass computed by all lanes together (see ``BertEncoder/Share``), in lane 0's encoder.
    private func together(_ sequences: [EncoderInput], pooling: PoolingMode) throws(EngineError) -> [[Float]] {
        let home = lanes[0]
        guard let pass = try home.encoder.prepare(sequences, members: threads) else { return [] }
        // Attention of long sequences runs on BLIS: one thread per member.
        BLAS.setThreadCount(1)
        let barrier = SpinBarrier(parties: threads)
        let done = DispatchGroup()
        for member in 1..<threads {
            done.enter()
            lanes[member].queue.async {
                home.encoder.run(pass, sequences, products: .packed,
                                 share: .init(member: member, size: self.threads, barrier: barrier))
                done.leave()
            }
        }
        home.encoder.run(pass, sequences, products: .packed, share: .init(member: 0, size: threads, barrier: barrier))
        // Every member has passed the last barrier, so the pass is complete; wait for them to leave
        // the encoder before it is used again.
        done.wait()
        return home.encoder.outputs(pass, sequences, pooling: pooling)
    }

    /// A batch split into one group per lane (see ``partition(lengths:into:)``), in the caller's order.
    private func split(_ sequences: [EncoderInput], pooling: PoolingMode) throws(EngineError) -> [[Float]] {
        let own = lanes[0].encoder
        try BertEncoder.validate(sequences, configuration: model.weights.configuration)
        let groups = Self.partition(lengths: sequences.map(\.ids.count), into: threads)
        let results = GroupResults(count: groups.count)
        let done = DispatchGroup()
        for index in 1..<groups.count where !groups[index].isEmpty {
            let helper = lanes[index]
            let members = groups[index].map { sequences[$0] }
            done.enter()
            helper.queue.async {
                results.set(index, Result { () throws(EngineError) in try helper.encoder.forward(members, pooling: pooling) })
                done.leave()
            }
        }
        results.set(0, Result { () throws(EngineError) in try own.forward(groups[0].map { sequences[$0] }, pooling: pooling) })
        done.wait()
        var vectors = [[Float]](repeating: [], count: sequences.count)
        for (index, members) in groups.enumerated() where !members.isEmpty {
            for (position, vector) in zip(members, try results.get(index)) { vectors[position] = vector }
        }
        return vectors
    }

    /// Indices of `lengths` in `count` groups of about equal cost (largest first, each to the
    /// cheapest group so far). Cost: linear layers grow with tokens, attention with tokens².
    static func partition(lengths: [Int], into count: Int) -> [[Int]] {
        var groups = [[Int]](repeating: [], count: count)
        var load = [Double](repeating: 0, count: count)
        for index in lengths.indices.sorted(by: { lengths[$0] > lengths[$1] }) {
            let cheapest = load.indices.min { load[$0] < load[$1] }!
            let length = Double(lengths[index])
            load[cheapest] += length + length * length / 2300
            groups[cheapest].append(index)
        }
        return groups.map { $0.sorted() }
    }

    /// Per-group results written by the helper queues; each slot is written by one thread only,
    /// and read after `DispatchGroup.wait()`, which orders the writes before the reads.
    /// (Raw storage, not an array property: concurrent writes to one would be exclusivity violations.)
    private final class GroupResults: @unchecked Sendable {
        private let slots: UnsafeMutableBufferPointer<Result<[[Float]], EngineError>?>
        init(count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: nil) }
        deinit { slots.deinitialize(); slots.deallocate() }
        func set(_ index: Int, _ result: Result<[[Float]], EngineError>) { slots[index] = result }
        func get(_ index: Int) throws(EngineError) -> [[Float]] { try slots[index]!.get() }
    }

    /// Tokenizes and embeds texts; `normalize` applies L2 normalisation.
    public func embed(texts: [String], normalize: Bool) async throws -> [[Float]] {
        let ids = texts.map { model.tokenizer.encode($0).ids }
        let vectors = try await embed(tokenIDs: ids)
        return normalize ? vectors.map(l2Normalized) : vectors
    }

    /// Runs one full-length sequence and a small batch so that buffers are allocated and weight
    /// pages are resident before the first real request.
    public func warmUp() async throws {
        let length = model.configuration.maxSequenceLength
        let filler = Int32(min(1000, model.configuration.bert.vocabularySize - 1))
        let long = [model.tokenizer.clsId] + [Int32](repeating: filler, count: length - 2) + [model.tokenizer.sepId]
        _ = try await embed(tokenIDs: [long])
        _ = try await embed(tokenIDs: [[Int32]](repeating: Array(long.prefix(8)), count: 32))
    }
}
