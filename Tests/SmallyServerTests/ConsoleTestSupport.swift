import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import SmallyServer
import Testing

/// A browser's part in the console tests: keeps cookies the way a browser would (per name, the
/// latest `Set-Cookie` wins, `Max-Age=0` deletes), reads CSRF tokens out of the pages, posts forms.
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    /// Extra headers on every request (e.g. `X-Forwarded-Proto`).
    var headers: HTTPFields = [:]
    /// Every `Set-Cookie` line received, in order.
    private(set) var setCookies: [String] = []

    init(_ client: any TestClientProtocol) { self.client = client }

    func set(cookie name: String, _ value: String?) { cookies[name] = value }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        try await send(uri, method: .get, body: nil)
    }

    @discardableResult
    func post(_ uri: String, _ form: [(String, String)]) async throws -> TestResponse {
        let body = form.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        return try await send(uri, method: .post, body: body)
    }

    func send(_ uri: String, method: HTTPRequest.Method, body: String?) async throws -> TestResponse {
        var headers = self.headers
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for line in response.headers[values: .setCookie] {
            setCookies.append(line)
            let pair = line.split(separator: ";")[0]
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]), value = parts.count > 1 ? String(parts[1]) : ""
            if line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    /// The first CSRF token in a page.
    static func csrf(_ response: TestResponse) -> String? {
        let html = String(buffer: response.body)
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Signs in with `credential` through the form; returns the answer to the POST.
    @discardableResult
    func signIn(_ credential: String) async throws -> TestResponse {
        let form = try await get("/console/sign-in")
        let token = try #require(Self.csrf(form))
        return try await post("/console/sign-in", [("csrf", token), ("credential", credential)])
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
