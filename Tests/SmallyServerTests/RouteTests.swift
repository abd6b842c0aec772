import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmallyEngine
@testable import SmallyServer
import Testing

/// Every route of the API against the real engine, through the application's router.
@Suite("routes")
struct RouteTests {
    @Test("POST /v1/embed returns the engine's vector, unnormalised by default, normalised on request")
    func embedSingle() async throws {
        let engine = try ServerTestSupport.engine()
        let expected = try await engine.embed(texts: ["how to reset password"], normalize: false)[0]
        try await ServerTestSupport.app().test(.router) { client in
            let response = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "how to reset password"}"#)
            #expect(response.status == .ok)
            let body = try ServerTestSupport.object(response)
            #expect(ServerTestSupport.maxAbsDiff(ServerTestSupport.floats(body["embedding"]), expected) == 0)
            #expect(body["model"] as? String == "all-MiniLM-L6-v2")
            #expect(body["tokens"] as? Int == 6)
            #expect(body["cached"] as? Bool == false)
            #expect(body["truncated"] as? Bool == false)
            #expect((body["latency_ms"] as? Double).map { $0 > 0 } == true)
            #expect(response.headers[.requestID]?.isEmpty == false)
            #expect(response.headers[.cacheStatus] == "miss")
            #expect(response.headers[.queueTime] != nil && response.headers[.inferenceTime] != nil)

            let normalized = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "how to reset password", "normalize": true}"#)
            let unit = ServerTestSupport.floats(try ServerTestSupport.object(normalized)["embedding"])
            #expect(ServerTestSupport.maxAbsDiff(unit, l2Normalized(expected)) <= 1e-7)
            #expect(normalized.headers[.cacheStatus] == "hit-l1")
        }
    }

    @Test("POST /v1/embed with texts returns per-item arrays in order, and truncation is reported")
    func embedBatch() async throws {
        let engine = try ServerTestSupport.engine()
        let long = Array(repeating: "hello", count: 300).joined(separator: " ")
        let texts = ["first text", "second, longer text here", long]
        let expected = try await engine.embed(texts: texts, normalize: true)
        try await ServerTestSupport.app().test(.router) { client in
            let payload = String(decoding: try JSONSerialization.data(withJSONObject: ["texts": texts, "normalize": true]), as: UTF8.self)
            let response = try await ServerTestSupport.post(client, "/v1/embed", payload)
            #expect(response.status == .ok)
            let body = try ServerTestSupport.object(response)
            let vectors = (body["embeddings"] as? [Any] ?? []).map(ServerTestSupport.floats)
            #expect(vectors.count == 3)
            for (vector, reference) in zip(vectors, expected) {
                #expect(ServerTestSupport.maxAbsDiff(vector, reference) <= 1e-6)
            }
            #expect(body["tokens"] as? [Int] == [4, 7, 256])
            #expect(body["truncated"] as? [Bool] == [false, false, true])
            #expect(body["cached"] as? [Bool] == [false, false, false])
            #expect(body["total_tokens"] as? Int == 267)
        }
    }

    @Test("POST /v1/tokenize gives ids and counts")
    func tokenize() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let response = try await ServerTestSupport.post(client, "/v1/tokenize", #"{"text": "hello [SEP] world"}"#)
            let body = try ServerTestSupport.object(response)
            #expect(body["token_ids"] as? [Int] == [101, 7592, 102, 2088, 102])
            #expect(body["count"] as? Int == 5)
            let batch = try ServerTestSupport.object(try await ServerTestSupport.post(client, "/v1/tokenize", #"{"texts": ["a", "b c"]}"#))
            #expect(batch["total_tokens"] as? Int == 7)
        }
    }

    @Test("open routes: health, ready, info, models, openapi, metrics")
    func openRoutes() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(try ServerTestSupport.object(health)["status"] as? String == "ok")

            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .ok)
            #expect((try ServerTestSupport.object(ready)["checks"] as? [String: String])?["model"] == "ok")

            let info = try ServerTestSupport.object(try await client.execute(uri: "/info", method: .get))
            #expect(info["dimension"] as? Int == 384)
            #expect(info["max_tokens"] as? Int == 256)
            #expect((info["limits"] as? [String: Any])?["max_texts_per_request"] as? Int == 256)

            let models = try ServerTestSupport.object(try await client.execute(uri: "/v1/models", method: .get))
            #expect(((models["data"] as? [[String: Any]])?.first?["id"] as? String) == "all-MiniLM-L6-v2")

            let openapi = try ServerTestSupport.object(try await client.execute(uri: "/openapi.json", method: .get))
            #expect(openapi["openapi"] as? String == "3.1.0")
            let paths = (openapi["paths"] as? [String: Any]).map { Set($0.keys) } ?? []
            #expect(paths.isSuperset(of: ["/v1/embed", "/v1/embeddings", "/v1/tokenize", "/v1/models", "/health", "/ready", "/info", "/metrics"]))

            _ = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "metrics please"}"#)
            _ = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": ""}"#)
            _ = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": []}"#)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            #expect(metrics.status == .ok)
            for name in ["smally_requests_total", "smally_request_latency_seconds", "smally_inference_latency_seconds",
                         "smally_batch_size", "smally_queue_depth", "smally_cache_hits_total", "smally_cache_misses_total",
                         "smally_token_count", "smally_errors_total"] {
                #expect(text.contains(name), "missing metric \(name)")
            }
            #expect(text.contains(#"smally_requests_total{route="/v1/embed",status="200"} 1"#))
            // Counted per route and status, the handles made once and reused.
            #expect(text.contains(#"smally_requests_total{route="/v1/embed",status="400"} 2"#))
            #expect(text.contains(#"smally_request_latency_seconds_count{route="/v1/embed"} 3"#))
            #expect(text.contains(#"smally_errors_total{type="empty_input"} 2"#))
        }
    }

    @Test("x-request-id is echoed when sane and replaced when not")
    func requestID() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let given = try await client.execute(uri: "/health", method: .get, headers: [.requestID: "abc-123"])
            #expect(given.headers[.requestID] == "abc-123")
            let hostile = try await client.execute(uri: "/health", method: .get, headers: [.requestID: "bad id\twith spaces"])
            #expect(hostile.headers[.requestID] != "bad id\twith spaces")
            let generated = try #require(hostile.headers[.requestID])
            #expect(generated.count == 33 && generated.utf8.allSatisfy { $0 == UInt8(ascii: "-") || (48...57).contains($0) || (97...102).contains($0) })
            // Generated ids are unique: same node prefix, distinct counters.
            let another = try await client.execute(uri: "/health", method: .get)
            let second = try #require(another.headers[.requestID])
            #expect(second != generated && second.prefix(16) == generated.prefix(16))
        }
    }
}
