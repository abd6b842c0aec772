import SmallyCore
import Synchronization

/// Counts what the batcher computed.
final class BatchCounter: BatchObserver, Sendable {
    private let counted = Mutex(0)
    var texts: Int { counted.withLock { $0 } }
    func batchCompleted(model: String, size: Int, tokens: Int, duration: Duration) { counted.withLock { $0 += size } }
    func queueDepthChanged(_ depth: Int) {}
}
