import Hummingbird
import SmallyJSON

extension Response {
    /// A JSON response from a built document (admin API, `/v1/usage`), written by `JSONWriter`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var writer = JSONWriter(capacity: 1024)
        writer.value(value)
        return .json(writer, status: status)
    }
}
