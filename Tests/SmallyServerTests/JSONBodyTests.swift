@testable import SmallyServer
import Testing

@Suite("JSON body media types")
struct JSONBodyTests {
    @Test("JSON media types are accepted, with parameters, spacing and any case", arguments: [
        "application/json", "application/json; charset=utf-8", "  Application/JSON ;charset=UTF-8",
        "application/vnd.api+json", "application/problem+JSON", "application/json\t",
    ])
    func accepted(_ contentType: String) {
        #expect(JSONBody.isJSON(contentType))
    }

    @Test("other media types are refused", arguments: [
        "", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "xapplication/json",
        "application\u{0F}json", "json", "+json", "application/json5", "multipart/form-data; boundary=+json",
    ])
    func refused(_ contentType: String) {
        #expect(!JSONBody.isJSON(contentType))
    }
}
