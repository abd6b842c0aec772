import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import SmallyServer
import Testing

/// The admin routes' bodies, read by `JSONReader` into `JSONFields`: the embedding routes' error
/// shapes (400 `invalid_request_error` naming the field) and PATCH's absent-keeps, null-clears.
@Suite("admin request bodies")
struct AdminBodyTests {
    static let headers: HTTPFields = [.authorization: "Bearer \(AccountsHTTPTests.adminToken)", .contentType: "application/json"]

    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    @Test("a wrong type or a missing field is a 400 naming the field")
    func fieldErrors() async throws {
        let harness = try AccountsHTTPTests.harness()
        try await harness.app().test(.router) { client in
            _ = try await harness.runtime.admin.createOrganization(name: "acme", tier: .free)
            let key = try await harness.runtime.admin.createKey(organization: "acme")
            let cases: [(HTTPRequest.Method, String, String, String, String, String)] = [
                (.post, "/v1/admin/orgs", #"{"name": 5, "tier": "free"}"#, "name", "invalid_type", "'name' must be a string."),
                (.post, "/v1/admin/orgs", #"{"tier": "free"}"#, "name", "missing_field", "'name' is required."),
                (.post, "/v1/admin/orgs", #"{"name": "b", "tier": null}"#, "tier", "missing_field", "'tier' is required."),
                (.post, "/v1/admin/orgs", #"{"name": "b", "tier": "free", "monthly_quota": "lots"}"#,
                 "monthly_quota", "invalid_type", "'monthly_quota' must be an integer."),
                (.post, "/v1/admin/orgs", #"{"name": "b", "tier": "free", "per_minute": 1.5}"#,
                 "per_minute", "invalid_type", "'per_minute' must be an integer."),
                (.patch, "/v1/admin/orgs/acme", #"{"per_minute": true}"#, "per_minute", "invalid_type", "'per_minute' must be an integer."),
                (.patch, "/v1/admin/orgs/acme", #"{"tier": ["pro"]}"#, "tier", "invalid_type", "'tier' must be a string."),
                (.post, "/v1/admin/keys", #"{"name": "ci"}"#, "org", "missing_field", "'org' is required."),
                (.post, "/v1/admin/keys", #"{"org": "acme", "expires_in": 5}"#, "expires_in", "invalid_type", "'expires_in' must be a string."),
                (.post, "/v1/admin/keys/\(key.record.id)/rotate", #"{"grace": 1}"#, "grace", "invalid_type", "'grace' must be a string."),
            ]
            for (method, uri, body, param, code, message) in cases {
                let response = try await Self.send(client, method, uri, body)
                #expect(response.status == .badRequest, "\(uri) \(body)")
                let error = try #require(try Self.object(response)["error"] as? [String: Any])
                #expect(error["type"] as? String == "invalid_request_error")
                #expect(error["param"] as? String == param, "\(body)")
                #expect(error["code"] as? String == code, "\(body)")
                #expect(error["message"] as? String == message, "\(body)")
            }
            for body in ["[1]", #"{"name": "#] {
                let response = try await Self.send(client, .post, "/v1/admin/orgs", body)
                #expect(response.status == .badRequest)
                #expect((try Self.object(response)["error"] as? [String: Any])?["code"] as? String == "invalid_json")
            }
        }
    }

    @Test("PATCH: an absent field keeps the stored value, null clears an override")
    func patchSemantics() async throws {
        let harness = try AccountsHTTPTests.harness()
        try await harness.app().test(.router) { client in
            let created = try await Self.send(client, .post, "/v1/admin/orgs",
                                              #"{"name": "acme", "tier": "free", "monthly_quota": 500, "per_minute": 7}"#)
            #expect(created.status == .created)
            func patch(_ body: String) async throws -> [String: Any] {
                let response = try await Self.send(client, .patch, "/v1/admin/orgs/acme", body)
                #expect(response.status == .ok, "\(body)")
                return try Self.object(response)
            }
            var org = try await patch(#"{"tier": "pro"}"#)
            #expect(org["tier"] as? String == "pro")
            #expect(org["monthly_quota_override"] as? Int == 500 && org["requests_per_minute_override"] as? Int == 7)
            org = try await patch(#"{"monthly_quota": null}"#)
            #expect(org["monthly_quota_override"] is NSNull && org["requests_per_minute_override"] as? Int == 7)
            org = try await patch(#"{"tier": null, "per_minute": null}"#)
            #expect(org["tier"] as? String == "pro")
            #expect(org["monthly_quota_override"] is NSNull && org["requests_per_minute_override"] is NSNull)
            org = try await patch(#"{"per_minute": 9}"#)
            #expect(org["requests_per_minute_override"] as? Int == 9 && org["monthly_quota_override"] is NSNull)
        }
    }
}
