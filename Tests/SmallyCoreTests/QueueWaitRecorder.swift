import SmallyCore
import Synchronization

/// Keeps every queue wait the batcher reports.
final class QueueWaitRecorder: BatchObserver, Sendable {
    private let recorded = Mutex<[Duration]>([])
    var waits: [Duration] { recorded.withLock { $0 } }
    func batchCompleted(model: String, size: Int, tokens: Int, duration: Duration) {}
    func queueDepthChanged(_ depth: Int) {}
    func queueWaited(_ duration: Duration) { recorded.withLock { $0.append(duration) } }
}
