import Tracing

/// A span once ended, as the exporter sends it.
public struct FinishedSpan: Sendable {
    public var position: TraceParent
    /// The parent's span id (0: a root span).
    public var parentSpanID: UInt64
    public var name: String
    public var kind: SpanKind
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    public var attributes: [(String, SpanAttribute)]
    public var links: [TraceParent]
    public var status: SpanStatus?
}

extension SpanKind: @retroactive @unchecked Sendable {}
extension SpanStatus: @retroactive @unchecked Sendable {}
