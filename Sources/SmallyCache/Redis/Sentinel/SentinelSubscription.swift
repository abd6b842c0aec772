import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A pub/sub connection to one sentinel, subscribed to `+switch-master`.
///
/// Not a `RedisConnection`: after `SUBSCRIBE` the server pushes messages nobody asked for, which the
/// request/reply handler would (rightly) treat as a broken stream. A PING every `pingInterval` keeps
/// the subscription honest: with no byte received for three intervals (a sentinel host gone without a
/// FIN), the connection is closed and the monitor moves to the next sentinel.
enum SentinelSubscription {
    static let channelName = "+switch-master"

    /// Connects to `configuration.host:port`, subscribes, calls `onSubscribed` once the subscription is
    /// confirmed and `onPush` for every push after it; returns when the connection closes.
    /// Throws on a connect failure or an error reply (e.g. a refused `AUTH`).
    static func run(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        pingInterval: Duration = .seconds(1),
        onSubscribed: @Sendable () async -> Void,
        onPush: @Sendable (RESPValue) async -> Void
    ) async throws {
        let host = configuration.host
        let channel: NIOAsyncChannel<RESPValue, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext = configuration.sslContext {
                            let isIP = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                            let name = configuration.tls?.insecure == true || isIP ? nil : host
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: name))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                        return try NIOAsyncChannel<RESPValue, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw RedisError(.connectFailed, message: "sentinel \(host):\(configuration.port): \(error)")
        }
        let lastReceived = LastReceived()
        try await channel.executeThenClose { inbound, outbound in
            var buffer = channel.channel.allocator.buffer(capacity: 96)
            let encoder = RESPEncoder()
            if let password = configuration.password {
                encoder.encodeCommand(configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password], into: &buffer)
            }
            encoder.encodeCommand(["SUBSCRIBE", Self.channelName], into: &buffer)
            try await outbound.write(buffer)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var ping = channel.channel.allocator.buffer(capacity: 16)
                    encoder.encodeCommand(["PING"], into: &ping)
                    while true {
                        try await Task.sleep(for: pingInterval)
                        if ContinuousClock.now - lastReceived.instant.withLock({ $0 }) > pingInterval * 3 {
                            channel.channel.close(promise: nil)
                            return
                        }
                        try await outbound.write(ping)
                    }
                }
                defer { group.cancelAll() }
                for try await value in inbound {
                    lastReceived.instant.withLock { $0 = ContinuousClock.now }
                    if case .error(let message) = value {
                        // Never echo the password: the server's line names the command, not its arguments.
                        throw RedisError(.connectFailed, message: "sentinel \(host):\(configuration.port): \(message)")
                    }
                    if let items = value.array, items.first?.string == "subscribe" {
                        await onSubscribed()
                    } else {
                        await onPush(value)
                    }
                }
            }
        }
    }
}

/// When the subscription last received a byte, shared by its reader and its pinger.
private final class LastReceived: Sendable {
    let instant = Mutex(ContinuousClock.now)
}
