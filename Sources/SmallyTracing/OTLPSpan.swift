import Synchronization
import Tracing

/// A span of ``OTLPTracer``: its mutable parts behind a lock (a span may be touched from any task);
/// on `end` it goes to the buffer once, and only when sampled.
public final class OTLPSpan: Span {
    private struct State {
        var name: String
        var attributes = SpanAttributes()
        var links: [TraceParent] = []
        var status: SpanStatus?
        var ended = false
    }

    public let context: ServiceContext
    private let position: TraceParent
    private let parentSpanID: UInt64
    private let kind: SpanKind
    private let start: UInt64
    private let buffer: SpanBuffer
    private let state: Mutex<State>

    init(name: String, context: ServiceContext, position: TraceParent, parentSpanID: UInt64, kind: SpanKind, start: UInt64,
         buffer: SpanBuffer) {
        self.context = context
        self.position = position
        self.parentSpanID = parentSpanID
        self.kind = kind
        self.start = start
        self.buffer = buffer
        self.state = Mutex(State(name: name))
    }

    public var isRecording: Bool { position.sampled }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }

    public func addLink(_ link: SpanLink) {
        guard let other = link.context.traceParent else { return }
        state.withLock { $0.links.append(other) }
    }

    /// Events are not exported (none of ours uses them).
    public func addEvent(_ event: SpanEvent) {}

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        state.withLock { $0.status = SpanStatus(code: .error, message: "\(error)") }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = instant().nanosecondsSinceEpoch
        let finished = state.withLock { state -> FinishedSpan? in
            guard !state.ended else { return nil }
            state.ended = true
            var attributes: [(String, SpanAttribute)] = []
            state.attributes.forEach { attributes.append(($0, $1)) }
            return FinishedSpan(position: position, parentSpanID: parentSpanID, name: state.name, kind: kind,
                                startNanoseconds: start, endNanoseconds: max(end, start), attributes: attributes,
                                links: state.links, status: state.status)
        }
        if let finished, position.sampled { buffer.append(finished) }
    }
}
