import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One TCP (or TLS) connection to Redis with a `RedisChannelHandler` in its pipeline.
///
/// A value type over the `Channel`: the channel and its handler own all state, so copies are cheap and
/// `Sendable`. The pool (`RedisClient`) decides when to make and drop connections.
struct RedisConnection: Sendable {
    let channel: any Channel

    var isActive: Bool { self.channel.isActive }

    /// Connects, then authenticates and selects the database, all within `configuration.connectTimeout`
    /// for the TCP part and `configuration.connectTimeout` again for the handshake.
    static func connect(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) async throws -> RedisConnection {
        let connectTimeout = TimeAmount(configuration.connectTimeout)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(connectTimeout)
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext = configuration.sslContext {
                            // SNI takes a name only: for an IP literal, pass none and NIOSSL checks
                            // the certificate's IP addresses against the peer's address instead.
                            let name = configuration.tls?.insecure == true || Self.isIPAddress(configuration.host) ? nil : configuration.host
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: name))
                        }
                        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(logger: logger))
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw RedisError(.connectFailed, message: "\(configuration.host):\(configuration.port): \(error)")
        }
        let connection = RedisConnection(channel: channel)
        do {
            try await connection.handshake(configuration: configuration, timeout: connectTimeout)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// AUTH and SELECT (or PING when neither is needed), pipelined in one write.
    private func handshake(configuration: RedisConfiguration, timeout: TimeAmount) async throws {
        var commands: [[String]] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append(["AUTH", username, password])
            } else {
                commands.append(["AUTH", password])
            }
        }
        if configuration.database != 0 {
            commands.append(["SELECT", String(configuration.database)])
        }
        // At least a PING: a connection is used only once the server has answered on it, so a
        // stalled server (accepting connections in its backlog, executing nothing) gets no commands.
        if commands.isEmpty { commands.append(["PING"]) }
        var buffer = self.channel.allocator.buffer(capacity: 64)
        let encoder = RESPEncoder()
        for command in commands {
            encoder.encodeCommand(command, into: &buffer)
        }
        let replies = try await self.execute(buffer, count: commands.count, timeout: timeout)
        for (command, reply) in zip(commands, replies) {
            if case .error(let message) = reply {
                // Never echo the password: name only the command.
                throw RedisError(.connectFailed, message: "\(command[0]) failed: \(message)")
            }
        }
    }

    /// Writes `count` encoded commands in one flush and returns their replies in order.
    /// Error replies are returned as `.error` values. Fails with `.timeout` (and closes the connection)
    /// if the replies do not all arrive within `timeout`.
    func execute(_ buffer: ByteBuffer, count: Int, timeout: TimeAmount) async throws -> [RESPValue] {
        let promise = self.channel.eventLoop.makePromise(of: [RESPValue].self)
        let request = RedisRequest(buffer: buffer, count: count, timeout: timeout, promise: promise)
        // If the write never reaches the handler (channel already closed and torn down), nobody else would
        // complete the promise. Completing an already-completed promise is a no-op in NIO, so this is safe
        // when the handler did fail it first.
        self.channel.writeAndFlush(request).whenFailure { error in
            promise.fail(RedisError(.connectionClosed, message: "\(error)"))
        }
        return try await promise.futureResult.get()
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    func close() {
        self.channel.close(promise: nil)
    }
}
