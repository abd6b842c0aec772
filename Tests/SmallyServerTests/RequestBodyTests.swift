import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import SmallyServer
import Testing

/// How the hot routes read their JSON bodies (`JSONReader` + `JSONFields`).
@Suite("request bodies")
struct RequestBodyTests {
    static func error(_ response: TestResponse) throws -> [String: Any] {
        try #require(try ServerTestSupport.object(response)["error"] as? [String: Any])
    }

    @Test("escaped text is the same text: same tokens, same vector")
    func escapes() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let raw = try await ServerTestSupport.post(client, "/v1/embed", #"{"texts": ["café 🍕 \"quoted\"\n", "tab\tend"]}"#)
            let escaped = try await ServerTestSupport.post(
                client, "/v1/embed", #"{"texts": ["caf\u00e9 \ud83c\udf55 \"quoted\"\u000a", "tab\u0009end"]}"#)
            #expect(raw.status == .ok && escaped.status == .ok)
            let a = try ServerTestSupport.object(raw), b = try ServerTestSupport.object(escaped)
            #expect(a["tokens"] as? [Int] == b["tokens"] as? [Int])
            let vectorsA = (a["embeddings"] as? [Any] ?? []).map(ServerTestSupport.floats)
            let vectorsB = (b["embeddings"] as? [Any] ?? []).map(ServerTestSupport.floats)
            #expect(vectorsA.count == 2 && vectorsA == vectorsB)
            #expect(b["cached"] as? [Bool] == [true, true])
        }
    }

    @Test("unknown fields are ignored and the last of duplicate fields wins")
    func unknownAndDuplicateFields() async throws {
        let engine = try ServerTestSupport.engine()
        let expected = try await engine.embed(texts: ["how to reset password"], normalize: false)[0]
        try await ServerTestSupport.app().test(.router) { client in
            let response = try await ServerTestSupport.post(client, "/v1/embed", #"""
                {"text": "first", "extra": {"nested": [1, {"a": null}], "s": "\u00e9"}, "text": "how to reset password"}
                """#)
            #expect(response.status == .ok)
            let vector = ServerTestSupport.floats(try ServerTestSupport.object(response)["embedding"])
            #expect(ServerTestSupport.maxAbsDiff(vector, expected) == 0)
        }
    }

    @Test("malformed JSON: the message says what is wrong and at which byte")
    func malformedMessage() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let response = try await ServerTestSupport.post(client, "/v1/embed", #"{"text": "a",}"#)
            #expect(response.status == .badRequest)
            let error = try Self.error(response)
            #expect(error["message"] as? String
                == "The request body is not valid JSON: expected a member name in double quotes at byte 13.")
            #expect(error["code"] as? String == "invalid_json")
        }
    }

    @Test("a wrong element is named with its index")
    func elementNamed() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            for (uri, body, param) in [("/v1/embed", #"{"texts": ["ok", 3]}"#, "texts[1]"),
                                       ("/v1/tokenize", #"{"texts": ["ok", "fine", false]}"#, "texts[2]"),
                                       ("/v1/embeddings", #"{"input": ["a", ["b"]]}"#, "input[1]")] {
                let response = try await ServerTestSupport.post(client, uri, body)
                #expect(response.status == .badRequest, "\(uri)")
                let error = try Self.error(response)
                #expect(error["param"] as? String == param, "\(uri)")
                #expect(error["message"] as? String == "'\(param)' must be a string.", "\(uri)")
                #expect(error["code"] as? String == "invalid_type", "\(uri)")
            }
        }
    }

    @Test("a body that is not UTF-8 is refused")
    func invalidUTF8() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            var body = ByteBuffer(string: #"{"text": "caf"#)
            body.writeBytes([0xE9, 0x22, 0x7D])  // Latin-1 é, then "}
            let response = try await client.execute(uri: "/v1/embed", method: .post, headers: ServerTestSupport.jsonHeaders, body: body)
            #expect(response.status == .badRequest)
            let error = try Self.error(response)
            #expect(error["code"] as? String == "invalid_json")
            #expect(error["message"] as? String == "The request body is not valid JSON: invalid UTF-8 in a string at byte 10.")
        }
    }

    @Test("OpenAI input forms: token ids written as whole numbers and nested lists")
    func openAIInputForms() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            let ints = try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": [101, 7592, 102], "encoding_format": "float"}"#)
            let wholeFloats = try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": [101.0, 7592, 1.02e2], "encoding_format": "float"}"#)
            let lists = try await ServerTestSupport.post(client, "/v1/embeddings", #"{"input": [[101, 7592, 102], [101, 102]]}"#)
            #expect(ints.status == .ok && wholeFloats.status == .ok && lists.status == .ok)
            func vectors(_ response: TestResponse) throws -> [[Float]] {
                (try ServerTestSupport.object(response)["data"] as? [[String: Any]] ?? []).map { ServerTestSupport.floats($0["embedding"]) }
            }
            #expect(try vectors(ints) == vectors(wholeFloats))
            #expect(try vectors(lists).count == 2)
            #expect(try vectors(lists).first == vectors(ints).first)
        }
    }
}
