import Tracing

/// What one text's trip through the batcher cost.
public struct BatchTiming: Sendable {
    /// Time from submission until its batch started.
    public var queue: Duration
    /// Time the forward pass of its batch took.
    public var inference: Duration
    /// The batch's span (`inference.batch`) when tracing is on, for the request's spans to link to.
    /// One object per batch, so a request's texts link to each of their batches once.
    public var batch: BatchTrace? = nil
}

/// The trace context of one batch's span.
public final class BatchTrace: Sendable {
    public let context: ServiceContext

    init(context: ServiceContext) {
        self.context = context
    }
}
