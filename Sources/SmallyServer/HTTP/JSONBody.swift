import Hummingbird
import NIOCore
import SmallyJSON

/// Reads a request body with the API's limits and error messages: 415 for a non-JSON content
/// type, 413 past the body limit, 400 for malformed JSON (saying what and where) or wrong field
/// types (naming the field and the expected type).
enum JSONBody {
    /// The body's top-level JSON object, read with ``JSONReader`` (every route with a body).
    static func fields(from request: Request, limit: Int) async throws -> JSONFields {
        let buffer = try await collect(request, limit: limit)
        let value: JSONValue
        do {
            value = try buffer.withUnsafeReadableBytes { try JSONReader.parse($0) }
        } catch let error as JSONReader.Error {
            throw APIError.invalidRequest("The request body is not valid JSON: \(error).", code: "invalid_json")
        }
        guard case .object(let object) = value else {
            throw APIError.invalidRequest("The request body must be a JSON object.", code: "invalid_json")
        }
        return JSONFields(object: object)
    }

    /// The whole body, after the content-type check; 413 past `limit`, 400 when empty.
    private static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let contentType = request.headers[.contentType] {
            guard isJSON(contentType) else {
                throw APIError(.unsupportedMediaType, type: "invalid_request_error",
                               message: "Content-Type must be application/json (got \(contentType.prefix(80))).",
                               code: "unsupported_media_type")
            }
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.tooLarge("The request body exceeds the limit of \(limit) bytes.")
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.invalidRequest("The request body is empty; send a JSON object.", code: "empty_body")
        }
        return buffer
    }

    /// `application/json` or `…+json`, any parameters after `;`, case-insensitive. Byte-level:
    /// this runs on every request, and Foundation's trimming showed in profiles.
    static func isJSON(_ contentType: String) -> Bool {
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0, end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            let media = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if media.count == 16 { return ASCII.equalsIgnoringCase(media, "application/json") }
            return media.count > 5 && media.contains(UInt8(ascii: "/")) && ASCII.equalsIgnoringCase(media.suffix(5), "+json")
        }
    }
}
