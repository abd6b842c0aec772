import Dispatch
import Foundation

/// Runs the encoder on its own serial dispatch queue, so BLAS never occupies a thread of Swift's
/// cooperative pool or a NIO event loop; async callers suspend until their batch is done. The
/// encoder itself uses `threads` CPUs inside each matrix product.
public final class InferenceEngine: Sendable {
    public let model: EmbeddingModel
    public let threads: Int
    private let queue = DispatchQueue(label: "smally.inference", qos: .userInitiated)
    private let encoder: EncoderBox

    /// Owned by `queue`: only touched inside blocks submitted to it.
    private final class EncoderBox: @unchecked Sendable {
        let encoder: BertEncoder
        init(_ encoder: BertEncoder) { self.encoder = encoder }
    }

    /// - Parameters:
    ///   - threads: CPUs used inside each product; defaults to what this process may use.
    public init(model: EmbeddingModel, threads: Int? = nil) {
        self.model = model
        self.threads = max(1, threads ?? CPUCount.available())
        BLAS.setThreadCount(self.threads)
        self.encoder = EncoderBox(BertEncoder(weights: model.weights))
    }

    /// The thread count from `SMALLY_THREADS`, if set to a positive integer.
    public static func threadsFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        environment["SMALLY_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Checks token-id input from callers (ids inside the vocabulary, lengths within the model's).
    public func validate(_ sequences: [[Int32]]) throws(EngineError) {
        try BertEncoder.validate(sequences, configuration: model.weights.configuration)
    }

    /// Pooled, unnormalised vectors for token-id sequences (as made by the model's tokenizer).
    public func embed(tokenIDs sequences: [[Int32]]) async throws -> [[Float]] {
        let box = encoder
        let pooling = model.configuration.pooling
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try box.encoder.forward(sequences, pooling: pooling) })
            }
        }
    }

    /// The same, blocking the calling thread; for command-line tools and benchmarks.
    public func embedSynchronously(tokenIDs sequences: [[Int32]]) throws -> [[Float]] {
        let box = encoder
        let pooling = model.configuration.pooling
        return try queue.sync { try box.encoder.forward(sequences, pooling: pooling) }
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
