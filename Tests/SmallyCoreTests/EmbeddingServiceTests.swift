import ServiceLifecycle
import SmallyCache
@testable import SmallyCore
import SmallyEngine
import Testing

/// The request path without HTTP: token-id validation (the only one), cache scoping, and texts and
/// token ids through the cache and the batcher on the real engine.
@Suite("EmbeddingService")
struct EmbeddingServiceTests {
    /// A service whose batcher is not running and has no room: anything that gets past validation
    /// is refused with `overloaded` instead of waiting forever.
    static func idleService(cacheScope: CacheScope = .organization) throws -> EmbeddingService {
        let engine = try CoreTestSupport.engine()
        let batcher = Batcher(engine: engine, maxQueuedTexts: 0, maxBatchSize: 4, maxBatchTokens: 100, logger: CoreTestSupport.logger)
        return EmbeddingService(engine: engine, batcher: batcher, cache: TieredEmbeddingCache(l1: LRUCache(capacity: 10), l2: nil),
                                cacheScope: cacheScope)
    }

    @Test("token ids are checked once, naming 'input' for a lone sequence and 'input[i]' in a list")
    func tokenValidation() throws {
        let service = try Self.idleService()
        let vocabulary = service.tokenizer.vocabularySize
        func refusal(_ lists: [[Int]]) -> InvalidTokenInput? {
            do {
                _ = try service.validated(tokenIDs: lists)
                return nil
            } catch {
                guard case .invalidInput(let input) = error else { return nil }
                return input
            }
        }
        let empty = try #require(refusal([[]]))
        #expect(empty.param == "input" && empty.problem == .empty)
        #expect(empty.message == "'input' must contain at least one token id.")

        let long = try #require(refusal([[101, 102], [Int](repeating: 1000, count: service.maxTokens + 1)]))
        #expect(long.param == "input[1]" && long.index == 1)
        #expect(long.message == "'input[1]' has \(service.maxTokens + 1) token ids; the model accepts at most \(service.maxTokens).")

        // Ids past Int32 are refused, not truncated into the vocabulary.
        for bad in [-1, vocabulary, Int(Int32.max) + 1_000] {
            let outside = try #require(refusal([[101, 102], [101, 102], [101, bad, 102]]))
            #expect(outside.param == "input[2]")
            #expect(outside.message == "'input[2]' contains token id \(bad), outside the vocabulary (0..<\(vocabulary)).")
        }

        let good = try service.validated(tokenIDs: [[101, 7592, 102], [101, vocabulary - 1, 102]])
        #expect(good == [[101, 7592, 102], [101, Int32(vocabulary - 1), 102]])
    }

    @Test("invalid token ids are refused before the batcher is asked")
    func validationFirst() async throws {
        let service = try Self.idleService()
        await #expect(throws: CoreError.invalidInput(InvalidTokenInput(index: nil, problem: .tokenIDOutOfRange(id: -5, vocabularySize: service.tokenizer.vocabularySize)))) {
            _ = try await service.embed(tokenIDs: [[101, -5, 102]], meter: nil)
        }
        // Valid input gets as far as the (full) queue.
        await #expect(throws: CoreError.overloaded(queued: 0)) {
            _ = try await service.embed(tokenIDs: [[101, 102]], meter: nil)
        }
    }

    @Test("cache keys carry the organization only when entries are scoped by organization, and a prompt left out of pooling or a pair's split")
    func cacheNamespace() throws {
        let scoped = try Self.idleService(cacheScope: .organization)
        let model = scoped.defaultModel
        #expect(scoped.cacheNamespace(model: model, cacheScopeID: "org_a") != scoped.cacheNamespace(model: model, cacheScopeID: "org_b"))
        #expect(scoped.cacheNamespace(model: model, cacheScopeID: "org_a") != scoped.modelName)
        #expect(scoped.cacheNamespace(model: model, cacheScopeID: nil) == scoped.modelName)   // accounts off: one namespace
        let shared = try Self.idleService(cacheScope: .shared)
        #expect(shared.cacheNamespace(model: model, cacheScopeID: "org_a") == shared.modelName)
        // Same tokens, other result: where pooling starts, where a pair's second text starts.
        let plain = EncoderInput(ids: [101, 7, 8, 102])
        let promptOut = EncoderInput(ids: [101, 7, 8, 102], poolingStart: 2)
        let pair = EncoderInput(ids: [101, 7, 8, 102], typeIDs: [0, 0, 1, 1])
        let namespaces = [plain, promptOut, pair].map { shared.cacheNamespace(model: model, input: $0, cacheScopeID: nil) }
        #expect(Set(namespaces).count == 3)
        #expect(namespaces[0] == shared.modelName)
    }

    @Test("texts give the engine's vectors, and the same token ids given directly hit the entry they filled")
    func textsAndTokenIDs() async throws {
        let engine = try CoreTestSupport.engine()
        let batcher = Batcher(engine: engine, maxQueuedTexts: 16, maxBatchSize: 8, maxBatchTokens: 1_000, logger: CoreTestSupport.logger)
        let service = EmbeddingService(engine: engine, batcher: batcher, cache: TieredEmbeddingCache(l1: LRUCache(capacity: 10), l2: nil))
        let texts = ["where is my parcel", "reset my password"]
        let expected = try await engine.embed(texts: texts, normalize: false)
        let services = ServiceGroup(configuration: .init(services: [batcher], logger: CoreTestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let first = try await service.embed(texts: texts, meter: nil)
            #expect(first.inputs.map(\.cache) == [.miss, .miss])
            for (input, vector) in zip(first.inputs, expected) {
                #expect(CoreTestSupport.maxAbsDiff(input.vector, vector) <= 1e-5)
            }
            let ids = texts.map { engine.model.tokenizer.encode($0).ids.map(Int.init) }
            let again = try await service.embed(tokenIDs: ids, meter: nil)
            #expect(again.inputs.map(\.cache) == [.l1, .l1])
            #expect(again.inputs.map(\.vector) == first.inputs.map(\.vector))
            #expect(again.inputs.map(\.tokens) == ids.map(\.count))
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
