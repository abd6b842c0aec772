import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import SmallyServer
import Testing

/// Every client mistake gets a 4xx in the one documented JSON shape, with a message and code.
@Suite("client errors")
struct ErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var uri: String
        var body: String
        var contentType: String? = "application/json"
        var status: Int
        var code: String
        var testDescription: String { "\(uri) \(body.prefix(40)) → \(status) \(code)" }
    }

    static let cases: [Case] = [
        Case(uri: "/v1/embed", body: #"{"text": "#, status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: "", status: 400, code: "empty_body"),
        Case(uri: "/v1/embed", body: "[1, 2]", status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: #"{"text": "a",}"#, status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: #"{'text': 'a'}"#, status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: #"{"text": "a\ud800"}"#, status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: #"{"text": "a"} trailing"#, status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: #"{"text": "a", "x": \#(String(repeating: "[", count: 100_000))}"#, status: 400, code: "invalid_json"),
        Case(uri: "/v1/embed", body: #"{"text": "hi"}"#, contentType: "text/plain", status: 415, code: "unsupported_media_type"),
        Case(uri: "/v1/embed", body: #"{"text": "hi"}"#, contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type"),
        Case(uri: "/v1/embed", body: "{}", status: 400, code: "missing_field"),
        Case(uri: "/v1/embed", body: #"{"text": ""}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/embed", body: #"{"text": 42}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embed", body: #"{"text": "a", "texts": ["b"]}"#, status: 400, code: "invalid_request"),
        Case(uri: "/v1/embed", body: #"{"texts": []}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/embed", body: #"{"texts": ["ok", ""]}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/embed", body: #"{"texts": ["ok", 3]}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embed", body: #"{"texts": "not an array"}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embed", body: #"{"text": "a", "normalize": "yes"}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embed", body: #"{"texts": [\#(Array(repeating: "\"x\"", count: 257).joined(separator: ","))]}"#, status: 400, code: "too_many_inputs"),
        Case(uri: "/v1/embed", body: #"{"text": "\#(String(repeating: "a", count: 70_000))"}"#, status: 413, code: "payload_too_large"),
        Case(uri: "/v1/embeddings", body: #"{"model": "all-MiniLM-L6-v2"}"#, status: 400, code: "missing_field"),
        Case(uri: "/v1/embeddings", body: #"{"input": {"a": 1}}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": ["a", 1]}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": [101, 1.5]}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": [[101, 102], "a"]}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": null}"#, status: 400, code: "missing_field"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "dimensions": 12.5}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "user": 7}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": ""}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/embeddings", body: #"{"input": []}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "encoding_format": "int4"}"#, status: 400, code: "unsupported_encoding_format"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "embedding_types": ["float", "fp16"]}"#, status: 400, code: "unsupported_encoding_format"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "encoding_format": "int8", "embedding_types": ["int8"]}"#, status: 400, code: "invalid_request"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "embedding_types": []}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "model": "no-such-model"}"#, status: 404, code: "model_not_found"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "model": "no-such-model"}"#, status: 404, code: "model_not_found"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "prompt_name": "nope"}"#, status: 400, code: "unknown_prompt"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "input_type": "search"}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "input_type": "query", "prompt_name": "query"}"#, status: 400, code: "invalid_request"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "truncation_direction": "middle"}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/embed", body: #"{"text": "hi", "truncate": "no"}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "encoding_format": "uint8", "dimensions": 8}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/rerank", body: #"{"query": "q", "documents": ["a"]}"#, status: 404, code: "model_not_found"),
        Case(uri: "/v1/rerank", body: #"{"query": "q", "documents": ["a"], "model": "all-MiniLM-L6-v2"}"#, status: 400, code: "model_not_supported"),
        Case(uri: "/v1/rerank", body: #"{"query": "", "documents": ["a"]}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/rerank", body: #"{"query": "q", "documents": []}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/rerank", body: #"{"query": "q"}"#, status: 400, code: "missing_field"),
        Case(uri: "/v1/rerank", body: #"{"documents": ["a"]}"#, status: 400, code: "missing_field"),
        Case(uri: "/v1/rerank", body: #"{"query": "q", "documents": [1]}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/rerank", body: #"{"query": "q", "documents": ["a"], "top_n": 0}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "dimensions": 0}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "dimensions": 385}"#, status: 400, code: "invalid_value"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "dimensions": "128"}"#, status: 400, code: "invalid_type"),
        Case(uri: "/v1/embeddings", body: #"{"input": "hi", "model": "text-embedding-3-small"}"#, status: 404, code: "model_not_found"),
        Case(uri: "/v1/embeddings", body: #"{"input": [101, 99999, 102]}"#, status: 400, code: "invalid_token_id"),
        Case(uri: "/v1/embeddings", body: #"{"input": [[101, 102], []]}"#, status: 400, code: "empty_input"),
        Case(uri: "/v1/embeddings", body: #"{"input": [\#(Array(repeating: "7", count: 300).joined(separator: ","))]}"#, status: 400, code: "too_many_tokens"),
        Case(uri: "/v1/tokenize", body: #"{"text": null}"#, status: 400, code: "missing_field"),
        Case(uri: "/v1/nope", body: "{}", status: 404, code: "not_found"),
    ]

    @Test("bad input gives the documented error", arguments: cases)
    func badInput(_ example: Case) async throws {
        try await ServerTestSupport.app().test(.router) { client in
            var headers = HTTPFields()
            if let type = example.contentType { headers[.contentType] = type }
            let response = try await ServerTestSupport.post(client, example.uri, example.body, headers: headers)
            #expect(Int(response.status.code) == example.status)
            #expect(try ServerTestSupport.errorCode(response) == example.code)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.requestID] != nil)
        }
    }

    @Test("token-id errors (checked by the core) name the sequence at fault: 'input' alone, 'input[i]' in a list")
    func tokenIDErrors() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            for (body, param, message) in [
                (#"{"input": [101, 99999, 102]}"#, "input", "'input' contains token id 99999, outside the vocabulary (0..<30522)."),
                (#"{"input": [[101, 102], []]}"#, "input[1]", "'input[1]' must contain at least one token id."),
                (#"{"input": [[101, 102], [\#(Array(repeating: "7", count: 300).joined(separator: ","))]]}"#, "input[1]",
                 "'input[1]' has 300 token ids; the model accepts at most 256."),
            ] {
                let response = try await ServerTestSupport.post(client, "/v1/embeddings", body)
                #expect(response.status == .badRequest)
                let error = try #require(try ServerTestSupport.object(response)["error"] as? [String: Any])
                #expect(error["param"] as? String == param)
                #expect(error["message"] as? String == message)
                #expect(error["type"] as? String == "invalid_request_error")
            }
        }
    }

    @Test("a known path with the wrong method gives 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await ServerTestSupport.app().test(.router) { client in
            for (uri, method, allow) in [("/v1/embed", HTTPRequest.Method.delete, "POST"), ("/v1/embeddings", .get, "POST"),
                                         ("/health", .post, "GET"), ("/v1/models", .put, "GET")] {
                let response = try await client.execute(uri: uri, method: method, headers: ServerTestSupport.jsonHeaders)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(try ServerTestSupport.errorCode(response) == "method_not_allowed")
                #expect(response.headers[.requestID] != nil)
            }
            let unknown = try await client.execute(uri: "/v1/nothing-here", method: .delete)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("a body over the limit is refused with 413 on a real socket")
    func bodyLimit() async throws {
        let configuration = ServerTestSupport.configuration { $0.maxBodyBytes = 4096 }
        try await ServerTestSupport.app(configuration).test(.live) { client in
            let texts = Array(repeating: "\"" + String(repeating: "b", count: 100) + "\"", count: 60).joined(separator: ",")
            let response = try await ServerTestSupport.post(client, "/v1/embed", "{\"texts\": [\(texts)]}")
            #expect(response.status == .contentTooLarge)
            #expect(try ServerTestSupport.errorCode(response) == "payload_too_large", "\(String(buffer: response.body))")
        }
    }
}
