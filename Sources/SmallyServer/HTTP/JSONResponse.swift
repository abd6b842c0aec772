import Hummingbird
import NIOCore
import SmallyJSON

extension Response {
    /// A JSON response from bytes written by `JSONWriter`.
    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }
}

extension Duration {
    /// Fractional milliseconds, for `latency_ms` and the timing headers.
    var milliseconds: Double {
        Double(components.seconds) * 1e3 + Double(components.attoseconds) * 1e-15
    }

    var headerValue: String {
        String((milliseconds * 1000).rounded() / 1000)
    }
}
