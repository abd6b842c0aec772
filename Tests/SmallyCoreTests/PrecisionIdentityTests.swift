import SmallyCache
@testable import SmallyCore
import SmallyEngine
import SmallyTestSupport
import Testing

/// An int8 model is another model: its own name by default, its own cache keys (even under a name
/// an fp32 model used), and a request naming the fp32 folder gets fp32 when both are served.
@Suite("precision is part of a model's identity")
struct PrecisionIdentityTests {
    static func catalog(_ entries: [(String, Precision)]) throws -> ModelCatalog {
        let fp32 = try CoreTestSupport.engine()
        let lanes = InferenceLanes(threads: 1)
        let int8 = try EmbeddingModel(directory: RepositoryPaths.modelDirectory, precision: .int8)
        return ModelCatalog(entries.map { name, precision in
            (name, InferenceEngine(model: precision == .int8 ? int8 : fp32.model, lanes: lanes))
        })
    }

    static func service(_ catalog: ModelCatalog) -> EmbeddingService {
        let batcher = Batcher(engines: catalog.engines, maxQueuedTexts: 0, maxBatchSize: 4, maxBatchTokens: 100,
                              logger: CoreTestSupport.logger)
        return EmbeddingService(catalog: catalog, batcher: batcher, cache: TieredEmbeddingCache(l1: LRUCache(capacity: 10), l2: nil),
                                cacheScope: .shared)
    }

    @Test("the same served name in fp32 and int8 gives different cache keys, int8's with its plan's revision; fp32 keys are unchanged")
    func cacheKeys() throws {
        let fp32 = Self.service(try Self.catalog([("minilm", .fp32)]))
        let int8 = Self.service(try Self.catalog([("minilm", .int8)]))
        let ids: [Int32] = [101, 7592, 102]
        let fp32Key = CacheKey(model: fp32.cacheNamespace(model: fp32.defaultModel, cacheScopeID: nil), tokenIDs: ids)
        let int8Key = CacheKey(model: int8.cacheNamespace(model: int8.defaultModel, cacheScopeID: nil), tokenIDs: ids)
        #expect(fp32Key != int8Key)
        #expect(fp32.cacheNamespace(model: fp32.defaultModel, cacheScopeID: nil) == "minilm")
        #expect(int8.defaultModel.precision == "int8" && fp32.defaultModel.precision == "fp32")
        // The int8 plan's revision is part of the key: entries of the first plan ("…\u{4}int8") never answer.
        #expect(int8.cacheNamespace(model: int8.defaultModel, cacheScopeID: nil) == "minilm\u{4}int8.2")
    }

    @Test("names: <folder>-int8 by default; the folder's name prefers fp32 when both are served, else the int8 model answers it")
    func names() throws {
        let folder = try CoreTestSupport.engine().model.name
        let int8Model = try EmbeddingModel(directory: RepositoryPaths.modelDirectory, precision: .int8)
        #expect(int8Model.qualifiedName == "\(folder)-int8")
        for order in [[Precision.int8, .fp32], [.fp32, .int8]] {
            let both = try Self.catalog(order.map { ($0 == .int8 ? "\(folder)-int8" : folder, $0) })
            #expect(try both.embeddingModel(named: folder).precision == "fp32", "\(order)")
            #expect(try both.embeddingModel(named: "sentence-transformers/\(folder)").precision == "fp32", "\(order)")
            #expect(try both.embeddingModel(named: "\(folder)-int8").precision == "int8", "\(order)")
        }
        let alone = try Self.catalog([("\(folder)-int8", .int8)])
        #expect(try alone.embeddingModel(named: folder).name == "\(folder)-int8")
    }
}
