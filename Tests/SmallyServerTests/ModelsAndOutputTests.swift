import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmallyCore
import SmallyEngine
@testable import SmallyServer
import Testing

/// Several models in one process, and the request options every embedding route shares.
@Suite("models and output types over HTTP")
struct ModelsAndOutputTests {
    /// MiniLM served twice, as "minilm" (default) and "second", on shared lanes.
    static func twoModels() throws -> ModelCatalog {
        let single = try ServerTestSupport.engine()
        let lanes = InferenceLanes(threads: 2)
        return ModelCatalog([("minilm", InferenceEngine(model: single.model, lanes: lanes)),
                             ("second", InferenceEngine(model: single.model, lanes: lanes))])
    }

    @Test("the model field picks the model; /v1/models and /info list both; each model has its own cache entries")
    func twoModelsServed() async throws {
        let expected = try await ServerTestSupport.engine().embed(texts: ["hello world"], normalize: false)[0]
        try await ServerTestSupport.app(catalog: try Self.twoModels()).test(.router) { client in
            let first = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "hello world"}"#))
            #expect(first["model"] as? String == "minilm")
            #expect(first["cached"] as? Bool == false)
            let second = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "hello world", "model": "second"}"#))
            #expect(second["model"] as? String == "second")
            #expect(second["cached"] as? Bool == false, "one model's entry answered another model's request")
            #expect(ServerTestSupport.maxAbsDiff(ServerTestSupport.floats(second["embedding"]), expected) <= 1e-5)
            let again = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "hello world", "model": "second"}"#))
            #expect(again["cached"] as? Bool == true)

            let openAI = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": "hi", "model": "second"}"#))
            #expect(openAI["model"] as? String == "second")
            let missing = try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": "hi", "model": "third"}"#)
            #expect(missing.status == .notFound)
            #expect(try ServerTestSupport.errorCode(missing) == "model_not_found")

            let models = try ServerTestSupport.object(try await client.execute(uri: "/v1/models", method: .get))
            let listed = (models["data"] as? [[String: Any]] ?? [])
            #expect(listed.map { $0["id"] as? String } == ["minilm", "second"])
            #expect(listed.allSatisfy { $0["dimension"] as? Int == 384 && $0["kind"] as? String == "embedding" && $0["precision"] as? String == "fp32" })
            let info = try ServerTestSupport.object(try await client.execute(uri: "/info", method: .get))
            #expect((info["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["minilm", "second"])
            #expect(info["model"] as? String == "minilm")
        }
    }

    @Test("binary/ubinary are the float vector's sign bits; int8/uint8 are one byte per dimension; embedding_types gives each")
    func outputTypes() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let body = #"{"texts": ["hello world", "reset my password"], "embedding_types": ["float", "ubinary", "binary", "int8", "uint8", "base64"]}"#
            let object = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", body))
            let byType = try #require(object["embeddings"] as? [String: Any])
            #expect(Set(byType.keys) == ["float", "ubinary", "binary", "int8", "uint8", "base64"])
            let floats = (byType["float"] as? [[NSNumber]] ?? []).map { $0.map(\.floatValue) }
            let ubinary = (byType["ubinary"] as? [[Int]] ?? [])
            let binary = (byType["binary"] as? [[Int]] ?? [])
            let int8 = (byType["int8"] as? [[Int]] ?? [])
            let uint8 = (byType["uint8"] as? [[Int]] ?? [])
            let base64 = (byType["base64"] as? [String] ?? [])
            #expect(floats.count == 2 && ubinary.count == 2 && binary.count == 2 && int8.count == 2 && uint8.count == 2 && base64.count == 2)
            for index in 0..<2 {
                let vector = floats[index]
                #expect(ubinary[index].count == 48)
                for (d, value) in vector.enumerated() {
                    let bit = (ubinary[index][d / 8] >> (7 - d % 8)) & 1
                    #expect(bit == (value > 0 ? 1 : 0), "text \(index) dimension \(d)")
                }
                #expect(binary[index] == ubinary[index].map { $0 - 128 })
                #expect(int8[index].count == 384 && int8[index].allSatisfy { (-128...127).contains($0) })
                #expect(uint8[index].count == 384 && uint8[index].allSatisfy { (0...255).contains($0) })
                // Same levels: int8 = uint8 - 128.
                #expect(int8[index] == uint8[index].map { $0 - 128 })
                let bytes = try #require(Data(base64Encoded: base64[index]))
                let decoded = bytes.withUnsafeBytes { raw in (0..<384).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
                #expect(decoded == vector)
            }
            // One format: the embedding is that form directly, also on the OpenAI route.
            let single = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "hello world", "encoding_format": "ubinary"}"#))
            #expect(single["embedding"] as? [Int] == ubinary[0])
            let openAI = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": "hello world", "encoding_format": "ubinary"}"#))
            #expect(((openAI["data"] as? [[String: Any]])?.first?["embedding"] as? [Int]) == ubinary[0], "normalising does not change signs")
        }
    }

    @Test("truncate false refuses a long text naming its token count; truncation_direction left keeps the end")
    func truncation() async throws {
        let long = Array(repeating: "word", count: 300).joined(separator: " ") + " ending"
        try await ServerTestSupport.app().test(.router) { client in
            let refused = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "\#(long)", "truncate": false}"#)
            #expect(refused.status == .badRequest)
            #expect(try ServerTestSupport.errorCode(refused) == "input_too_long")
            let message = ((try ServerTestSupport.object(refused)["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(message.contains("303 tokens") && message.contains("256"), "\(message)")
            let batch = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["short", "\#(long)"], "truncate": false}"#)
            #expect(try ServerTestSupport.errorCode(batch) == "input_too_long")
            let fits = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "short", "truncate": false}"#)
            #expect(fits.status == .ok)

            let right = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "\#(long)"}"#))
            let left = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "\#(long)", "truncation_direction": "left"}"#))
            #expect(right["tokens"] as? Int == 256 && left["tokens"] as? Int == 256)
            #expect(right["truncated"] as? Bool == true && left["truncated"] as? Bool == true)
            #expect(ServerTestSupport.maxAbsDiff(ServerTestSupport.floats(right["embedding"]), ServerTestSupport.floats(left["embedding"])) > 1e-3)
        }
    }
}
