/// What one text's trip through the batcher cost.
public struct BatchTiming: Sendable {
    /// Time from submission until its batch started.
    public var queue: Duration
    /// Time the forward pass of its batch took.
    public var inference: Duration
}
