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

    fileprivate func add(_ watch: ClientWatch, for connection: ObjectIdentifier) {
        watches.withLock { $0[connection] = watch }
    }

    /// Removes `watch`, unless a new connection (same identity, memory reused) has replaced it.
    fileprivate func remove(_ watch: ClientWatch, for connection: ObjectIdentifier) {
        watches.withLock { watches in
            if watches[connection] === watch { watches[connection] = nil }
        }
    }
}

/// Sits after HTTP decoding in every HTTP/1 connection and marks the connection's watch gone when
/// the client closes. Hummingbird allows half-closure, so a client's close arrives as
/// `ChannelEvent.inputClosed` (the channel may stay active until our response is written); like
/// nginx (499), a client that half-closes while it waits is taken as gone. Everything is passed on.
final class ClientDisconnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let watch = ClientWatch()
    private let watches: ConnectionWatches
    private var connection: ObjectIdentifier?

    init(watches: ConnectionWatches) {
        self.watches = watches
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let connection = ObjectIdentifier(context.channel)
        self.connection = connection
        watches.add(watch, for: connection)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        gone(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        gone(context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { watch.markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    private func gone(context: ChannelHandlerContext) {
        watch.markGone()
        guard let connection else { return }
        self.connection = nil
        let (watches, watch) = (self.watches, self.watch)
        context.eventLoop.scheduleTask(in: watches.retention) { watches.remove(watch, for: connection) }
    }
}
