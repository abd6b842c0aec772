import Tracing

/// Where a span's W3C position lives in a `ServiceContext` (the parent of spans started under it).
public enum TraceContextKey: ServiceContextKey {
    public typealias Value = TraceParent
}

extension ServiceContext {
    /// The trace position of the current span, if any.
    public var traceParent: TraceParent? {
        get { self[TraceContextKey.self] }
        set { self[TraceContextKey.self] = newValue }
    }
}
