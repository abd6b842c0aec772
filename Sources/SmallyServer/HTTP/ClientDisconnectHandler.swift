import NIOCore
import SmallyCore
import Synchronization

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
