import CPackedGEMM

/// The Linux scheduling class of the inference lanes (`SMALLY_INFERENCE_POLICY`).
///
/// Inference keeps every CPU busy under load; the event loops that answer cached requests must still
/// get a CPU the moment a request arrives. `nice` only weights the fair share (a nice-10 lane still
/// gets its slice before a woken event loop when its deadline is earlier); `idle` (`SCHED_IDLE`) lanes
/// run only when no ordinary thread wants the CPU, and a waking ordinary thread preempts them at once.
public enum LanePolicy: String, Sendable, CaseIterable {
    /// `SCHED_OTHER` at the configured niceness.
    case normal
    /// `SCHED_BATCH`: like `normal`, but never preempts on wake-up (CPU-bound work).
    case batch
    /// `SCHED_IDLE`: the lowest class, below every niceness.
    case idle

    var native: smally_thread_policy {
        switch self {
        case .normal: SMALLY_THREAD_POLICY_NORMAL
        case .batch: SMALLY_THREAD_POLICY_BATCH
        case .idle: SMALLY_THREAD_POLICY_IDLE
        }
    }

    /// The class thread `id` runs in, as the kernel reports it; nil when it is none of these.
    public static func of(thread id: Int32) -> LanePolicy? {
        switch smally_thread_policy_of(id) {
        case Int32(SMALLY_THREAD_POLICY_NORMAL.rawValue): .normal
        case Int32(SMALLY_THREAD_POLICY_BATCH.rawValue): .batch
        case Int32(SMALLY_THREAD_POLICY_IDLE.rawValue): .idle
        default: nil
        }
    }
}
