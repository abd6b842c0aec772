import Dispatch

/// The serial queues inference runs on, one per inference CPU. Engines of several models built on
/// the same lanes share these threads, so a process never runs more forward passes at once than
/// it has lanes, whichever models they belong to (the batcher decides which runs when).
public final class InferenceLanes: Sendable {
    public let queues: [DispatchQueue]

    /// - Parameter threads: CPUs used for inference; defaults to what this process may use.
    public init(threads: Int? = nil) {
        let count = max(1, threads ?? CPUCount.available())
        queues = (0..<count).map { DispatchQueue(label: "smally.inference.\($0)", qos: .userInitiated) }
    }

    public var count: Int { queues.count }
}
