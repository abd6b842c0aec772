import Logging
import NIOCore

/// One write to a Redis connection: `count` already-encoded commands and the promise for their replies.
///
/// The whole pipeline shares one promise, so a 1000-command pipeline costs one promise, not 1000.
struct RedisRequest: Sendable {
    var buffer: ByteBuffer
    var count: Int
    var timeout: TimeAmount
    var promise: EventLoopPromise<[RESPValue]>
}

/// Pairs replies with requests on one connection.
///
/// Redis answers commands in the order it receives them, so the handler keeps a FIFO of pending
/// requests (in write order, which the event loop preserves) and each decoded reply completes the oldest.
/// Error replies (`-ERR ...`) are ordinary replies here; the client decides whether they throw.
///
/// Any event that could leave the FIFO out of step with the byte stream — a timeout (the late reply
/// may still arrive), a decode error, an unsolicited reply, an I/O error — fails every pending request and
/// closes the channel. The pool then replaces the connection; a closed connection is never reused.
///
/// Timeouts use one lazily re-armed timer for the earliest deadline among pending requests, so there is
/// at most one scheduled task per connection.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<[RESPValue]>
        var remaining: Int
        var replies: [RESPValue]
        var deadline: NIODeadline
    }

    private let decoder: NIOSingleStepByteToMessageProcessor<RESPDecoder>
    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var timer: Scheduled<Void>?
    private var timerDeadline = NIODeadline.distantFuture
    private var isOpen = true
    private let logger: Logger

    init(logger: Logger, decoderLimits: RESPDecoder.Limits = .init()) {
        self.decoder = NIOSingleStepByteToMessageProcessor(RESPDecoder(limits: decoderLimits), maximumBufferSize: nil)
        self.logger = logger
    }

    /// Number of requests awaiting replies (for tests).
    var pendingCount: Int { self.pending.count }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        guard self.isOpen else {
            request.promise.fail(RedisError.connectionClosed)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard request.count > 0 else {
            request.promise.succeed([])
            promise?.succeed(())
            return
        }
        var replies: [RESPValue] = []
        replies.reserveCapacity(request.count)
        let deadline = context.eventLoop.now + request.timeout
        self.pending.append(Pending(promise: request.promise, remaining: request.count, replies: replies, deadline: deadline))
        // Re-armed when this deadline is earlier than the armed one: the handshake's requests use
        // the (longer) connect timeout, so the oldest request is not always the first due.
        if self.timer == nil || deadline < self.timerDeadline {
            self.timer?.cancel()
            self.armTimer(context: context, deadline: deadline)
        }
        context.write(self.wrapOutboundOut(request.buffer), promise: promise)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = self.unwrapInboundIn(data)
        do {
            try self.decoder.process(buffer: buffer) { value in
                self.received(value, context: context)
            }
        } catch let error as RedisError {
            self.failAndClose(context: context, error: error)
        } catch {
            self.failAndClose(context: context, error: RedisError.protocolError("\(error)"))
        }
    }

    private func received(_ value: RESPValue, context: ChannelHandlerContext) {
        guard self.isOpen else { return }
        guard !self.pending.isEmpty else {
            self.failAndClose(context: context, error: RedisError(.protocolError, message: "reply without a pending command"))
            return
        }
        let head = self.pending.startIndex
        self.pending[head].replies.append(value)
        self.pending[head].remaining -= 1
        if self.pending[head].remaining == 0 {
            let done = self.pending.removeFirst()
            done.promise.succeed(done.replies)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("Redis connection error", metadata: ["error": "\(error)"])
        self.failAndClose(context: context, error: RedisError(.connectionClosed, message: "\(error)"))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.failAll(RedisError.connectionClosed)
    }

    // MARK: Timeout and failure

    private func armTimer(context: ChannelHandlerContext, deadline: NIODeadline) {
        self.timerDeadline = deadline
        // assumeIsolated: the task runs on this handler's event loop, so it may touch handler state.
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        self.timer = nil
        guard self.isOpen, !self.pending.isEmpty else { return }
        let now = context.eventLoop.now
        if self.pending.contains(where: { $0.deadline <= now }) {
            self.logger.debug("Redis command timed out; resetting connection", metadata: ["pending": "\(self.pending.count)"])
            self.failAll(RedisError.timeout)
            // Reset, not a graceful close: commands still unread by a stalled server (a paused
            // process, a full socket buffer) are discarded with the connection instead of running
            // when it wakes up — their callers were told they failed, and a quota script that ran
            // later would count admissions twice.
            let channel = context.channel
            if let options = channel as? any SocketOptionProvider {
                options.setSoLinger(NIOLinger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        } else {
            self.armTimer(context: context, deadline: self.pending.map(\.deadline).min()!)
        }
    }

    private func failAndClose(context: ChannelHandlerContext, error: RedisError) {
        guard self.isOpen else { return }
        self.failAll(error)
        context.close(promise: nil)
    }

    /// Fails every pending request and refuses new ones. Idempotent.
    private func failAll(_ error: RedisError) {
        self.isOpen = false
        self.timer?.cancel()
        self.timer = nil
        while let request = self.pending.popFirst() {
            request.promise.fail(error)
        }
    }
}
