import NIOCore
import SmallyCore
import Synchronization

/// The `ClientWatch` of every open HTTP/1 connection, so that a request can find the watch of the
/// connection it came on (by its channel's identity, kept in `AppRequestContext`).
public final class ConnectionWatches: Sendable {
    private let watches = Mutex<[ObjectIdentifier: ClientWatch]>([:])
    /// How long a closed connection's watch stays findable: a request read together with the
    /// client's close may reach its route just after the channel has gone.
    let retention: TimeAmount

    public init(retention: TimeAmount = .seconds(5)) {
        self.retention = retention
    }

    func watch(for connection: ObjectIdentifier) -> ClientWatch? {
        watches.withLock { $0[connection] }
    }

    /// A handler for one new connection's pipeline.
    func handler() -> ClientDisconnectHandler { ClientDisconnectHandler(watches: self) }

    func add(_ watch: ClientWatch, for connection: ObjectIdentifier) {
        watches.withLock { $0[connection] = watch }
    }

    /// Removes `watch`, unless a new connection (same identity, memory reused) has replaced it.
    func remove(_ watch: ClientWatch, for connection: ObjectIdentifier) {
        watches.withLock { watches in
            if watches[connection] === watch { watches[connection] = nil }
        }
    }
}
