import Tracing

/// A tracer whose spans carry W3C trace-context ids and end up, once ended, in a ``SpanBuffer``
/// that ``OTLPExporter`` sends. Sampling follows the parent (`traceparent` flags); a new trace is
/// sampled.
public struct OTLPTracer: Tracer {
    public typealias Span = OTLPSpan

    public let buffer: SpanBuffer

    public init(buffer: SpanBuffer) {
        self.buffer = buffer
    }

    public func startSpan<Instant: TracerInstant>(_ operationName: String, context: @autoclosure () -> ServiceContext,
                                                  ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
                                                  function: String, file fileID: String, line: UInt) -> OTLPSpan {
        var context = context()
        var generator = SystemRandomNumberGenerator()
        let parent = context.traceParent
        var position = parent ?? TraceParent(traceIDHigh: 0, traceIDLow: 0, spanID: 0)
        if parent == nil {
            repeat {
                position.traceIDHigh = generator.next()
                position.traceIDLow = generator.next()
            } while position.traceIDHigh == 0 && position.traceIDLow == 0
        }
        repeat { position.spanID = generator.next() } while position.spanID == 0
        context.traceParent = position
        return OTLPSpan(name: operationName, context: context, position: position, parentSpanID: parent?.spanID ?? 0, kind: kind,
                        start: instant().nanosecondsSinceEpoch, buffer: buffer)
    }

    public func forceFlush() {}

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier),
              let parent = TraceParent(header: header, traceState: extractor.extract(key: "tracestate", from: carrier)) else { return }
        context.traceParent = parent
    }

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let position = context.traceParent else { return }
        injector.inject(position.header, forKey: "traceparent", into: &carrier)
        if let state = position.traceState { injector.inject(state, forKey: "tracestate", into: &carrier) }
    }
}
