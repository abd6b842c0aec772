import SmallyCore
import Synchronization

/// Counts the texts the batcher refused at its queue deadline.
final class ShedCounter: BatchObserver, Sendable {
    private let counted = Mutex(0)
    var shed: Int { counted.withLock { $0 } }
    func batchCompleted(model: String, size: Int, tokens: Int, duration: Duration) {}
    func queueDepthChanged(_ depth: Int) {}
    func shed(model: String, texts: Int) { counted.withLock { $0 += texts } }
}
