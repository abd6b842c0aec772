import HTTPTypes
import Hummingbird
import NIOCore
@testable import SmallyServer
import Testing

@Suite("presented API key")
struct PresentedKeyTests {
    static func key(authorization: String?, apiKey: String? = nil) -> Substring? {
        var fields = HTTPFields()
        if let authorization { fields[.authorization] = authorization }
        if let apiKey { fields[HTTPField.Name("x-api-key")!] = apiKey }
        let head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/embed", headerFields: fields)
        return APIKeyMiddleware.presentedKey(Request(head: head, body: .init(buffer: ByteBuffer())))
    }

    @Test("the Bearer scheme is matched in any case, with any spacing before the key")
    func bearer() {
        #expect(Self.key(authorization: "Bearer sk_abc") == "sk_abc")
        #expect(Self.key(authorization: "bearer sk_abc") == "sk_abc")
        #expect(Self.key(authorization: "  BEARER   sk_abc") == "sk_abc")
        #expect(Self.key(authorization: "BeArEr sk_abc") == "sk_abc")
    }

    @Test("other schemes and bare words give an empty key (refused as malformed)")
    func otherSchemes() {
        #expect(Self.key(authorization: "Basic dXNlcjpwYXNz") == "")
        #expect(Self.key(authorization: "Bearer") == "")
        #expect(Self.key(authorization: "Bearer ") == "")
        #expect(Self.key(authorization: "Bearerxsk_abc") == "")
        #expect(Self.key(authorization: "sk_abc") == "")
    }

    @Test("X-API-Key is read when there is no Authorization header; neither gives nil")
    func apiKeyHeader() {
        #expect(Self.key(authorization: nil, apiKey: "sk_abc") == "sk_abc")
        #expect(Self.key(authorization: nil) == nil)
    }
}
