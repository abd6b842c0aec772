import SmallyJSON
import Tracing

/// OTLP/HTTP's JSON encoding of an export request (the protobuf-JSON mapping: ids in hex, 64-bit
/// integers as strings, enums as numbers). <https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding>
enum OTLPJSONEncoding {
    static func request(_ spans: [FinishedSpan], serviceName: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 512 * spans.count + 256)
        writer.beginObject()
        writer.key("resourceSpans")
        writer.beginArray()
        writer.beginObject()
        writer.key("resource")
        writer.beginObject()
        writer.key("attributes")
        writer.beginArray()
        attribute(&writer, "service.name", .string(serviceName))
        writer.endArray()
        writer.endObject()
        writer.key("scopeSpans")
        writer.beginArray()
        writer.beginObject()
        writer.key("scope")
        writer.beginObject()
        writer.key("name")
        writer.string("smally")
        writer.endObject()
        writer.key("spans")
        writer.beginArray()
        for span in spans { encode(span, into: &writer) }
        writer.endArray()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    private static func encode(_ span: FinishedSpan, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("traceId")
        writer.string(span.position.traceID)
        writer.key("spanId")
        writer.string(span.position.spanIDHex)
        if let state = span.position.traceState {
            writer.key("traceState")
            writer.string(state)
        }
        if span.parentSpanID != 0 {
            writer.key("parentSpanId")
            writer.string(TraceParent.hex(span.parentSpanID))
        }
        writer.key("flags")
        writer.int(Int(span.position.flags))
        writer.key("name")
        writer.string(span.name)
        writer.key("kind")
        writer.int(kindNumber(span.kind))
        writer.key("startTimeUnixNano")
        writer.string(String(span.startNanoseconds))
        writer.key("endTimeUnixNano")
        writer.string(String(span.endNanoseconds))
        writer.key("attributes")
        writer.beginArray()
        for (name, value) in span.attributes { attribute(&writer, name, value) }
        writer.endArray()
        if !span.links.isEmpty {
            writer.key("links")
            writer.beginArray()
            for link in span.links {
                writer.beginObject()
                writer.key("traceId")
                writer.string(link.traceID)
                writer.key("spanId")
                writer.string(link.spanIDHex)
                writer.endObject()
            }
            writer.endArray()
        }
        if let status = span.status {
            writer.key("status")
            writer.beginObject()
            writer.key("code")
            writer.int(status.code == .ok ? 1 : 2)
            if let message = status.message {
                writer.key("message")
                writer.string(message)
            }
            writer.endObject()
        }
        writer.endObject()
    }

    /// SPAN_KIND_INTERNAL 1, SERVER 2, CLIENT 3, PRODUCER 4, CONSUMER 5.
    private static func kindNumber(_ kind: SpanKind) -> Int {
        switch kind {
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        default: 1
        }
    }

    private static func attribute(_ writer: inout JSONWriter, _ name: String, _ value: SpanAttribute) {
        writer.beginObject()
        writer.key("key")
        writer.string(name)
        writer.key("value")
        writer.beginObject()
        switch value {
        case .int32(let number):
            writer.key("intValue")
            writer.string(String(number))
        case .int64(let number):
            writer.key("intValue")
            writer.string(String(number))
        case .double(let number):
            writer.key("doubleValue")
            writer.double(number)
        case .bool(let flag):
            writer.key("boolValue")
            writer.bool(flag)
        case .string(let text):
            writer.key("stringValue")
            writer.string(text)
        default:
            writer.key("stringValue")
            writer.string("\(value)")
        }
        writer.endObject()
        writer.endObject()
    }
}
