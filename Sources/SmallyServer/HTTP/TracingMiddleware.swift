import HTTPTypes
import Hummingbird
import SmallyTracing
import Tracing

extension HTTPField.Name {
    static let traceparent = Self("traceparent")!
    static let tracestate = Self("tracestate")!
}

/// The `request` span (kind server) of every request, the parent of the core's spans: continues
/// the client's trace when it sent a valid W3C `traceparent` (with its `tracestate`), else starts
/// one. Its child `response.write` covers writing the body to the connection, and the request
/// span ends after it. Installed only when tracing is on, so an untraced server pays nothing.
struct TracingMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tracer: OTLPTracer

    @concurrent func handle(_ request: Request, context: AppRequestContext, next: @concurrent (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        if let header = request.headers[.traceparent] {
            let state = request.headers[values: .tracestate]
            // Malformed: a new trace (the W3C rule), not an error.
            if let position = TraceParent(header: header, traceState: state.isEmpty ? nil : state.joined(separator: ",")) {
                parent.traceParent = position
            }
        }
        let span = tracer.startSpan("request", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        span.attributes["url.path"] = request.uri.path
        let response: Response
        do {
            response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
        } catch {
            span.recordError(error)
            span.end()
            throw error
        }
        span.attributes["http.response.status_code"] = Int64(response.status.code)
        if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
        var traced = response
        let body = response.body
        let tracer = self.tracer
        traced.body = ResponseBody(contentLength: body.contentLength) { writer in
            let write = tracer.startSpan("response.write", context: span.context)
            defer {
                write.end()
                span.end()
            }
            try await body.write(writer)
        }
        return traced
    }
}
