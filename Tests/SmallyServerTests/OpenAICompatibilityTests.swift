import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmallyEngine
@testable import SmallyServer
import Testing

/// `/v1/embeddings` in the shapes the official OpenAI clients send and expect.
@Suite("OpenAI-compatible embeddings")
struct OpenAICompatibilityTests {
    @Test("string, array, token and base64 inputs; dimensions truncates then renormalises")
    func shapes() async throws {
        let engine = try ServerTestSupport.engine()
        let reference = try await engine.embed(texts: ["hello world", "good night"], normalize: true)
        try await ServerTestSupport.app().test(.router) { client in
            let single = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings",
                #"{"input": "hello world", "model": "all-MiniLM-L6-v2"}"#))
            #expect(single["object"] as? String == "list")
            #expect(single["model"] as? String == "all-MiniLM-L6-v2")
            let data = single["data"] as? [[String: Any]] ?? []
            #expect(data.count == 1 && data[0]["object"] as? String == "embedding" && data[0]["index"] as? Int == 0)
            #expect(ServerTestSupport.maxAbsDiff(ServerTestSupport.floats(data[0]["embedding"]), reference[0]) <= 1e-7)
            #expect((single["usage"] as? [String: Int]) == ["prompt_tokens": 4, "total_tokens": 4])

            let batch = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings",
                #"{"input": ["hello world", "good night"], "encoding_format": "base64"}"#))
            let items = batch["data"] as? [[String: Any]] ?? []
            #expect(items.map { $0["index"] as? Int } == [0, 1])
            for (item, expected) in zip(items, reference) {
                let bytes = Data(base64Encoded: item["embedding"] as? String ?? "") ?? Data()
                let decoded = bytes.withUnsafeBytes { raw in
                    (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
                }
                #expect(decoded == expected.map { $0 })
            }

            let tokens = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings",
                #"{"input": [[101, 7592, 2088, 102]]}"#))
            let fromTokens = ServerTestSupport.floats((tokens["data"] as? [[String: Any]])?.first?["embedding"])
            #expect(ServerTestSupport.maxAbsDiff(fromTokens, reference[0]) <= 1e-7)

            let short = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/embeddings",
                #"{"input": "hello world", "dimensions": 128}"#))
            let truncated = ServerTestSupport.floats((short["data"] as? [[String: Any]])?.first?["embedding"])
            #expect(truncated.count == 128)
            #expect(ServerTestSupport.maxAbsDiff(truncated, l2Normalized(Array(reference[0].prefix(128)))) <= 1e-6)
        }
    }
}
