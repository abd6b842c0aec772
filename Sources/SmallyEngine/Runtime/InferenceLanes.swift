/// The threads inference runs on, one per inference CPU. Engines of several models built on
/// the same lanes share these threads, so a process never runs more forward passes at once than
/// it has lanes, whichever models they belong to (the batcher decides which runs when).
public final class InferenceLanes: Sendable {
    public let queues: [LaneThread]

    /// - Parameters:
    ///   - threads: CPUs used for inference; defaults to what this process may use.
    ///   - nice: niceness of the lane threads (0…19, `SMALLY_INFERENCE_NICE`): above 0, the threads
    ///     that parse requests and answer from the cache get the CPU first when inference keeps
    ///     every CPU busy.
    ///   - policy: scheduling class of the lane threads (`SMALLY_INFERENCE_POLICY`).
    public init(threads: Int? = nil, nice: Int = 0, policy: LanePolicy = .normal) {
        let count = max(1, threads ?? CPUCount.available())
        let nice = Int32(min(19, max(0, nice)))
        queues = (0..<count).map { LaneThread(label: "smally.inference.\($0)", nice: nice, policy: policy) }
    }

    public var count: Int { queues.count }

    /// The kernel's ids of the lane threads (`/proc/self/task/<id>`), in lane order.
    public var threadIDs: [Int32] { queues.map(\.threadID) }
}
