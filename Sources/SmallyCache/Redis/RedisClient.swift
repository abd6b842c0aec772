import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Pipelined RESP2 client over a small pool of NIO connections.
///
/// A `Service`: `run()` opens `poolSize` connections and keeps each one alive, reconnecting in the
/// background with jittered exponential backoff whenever Redis goes away; it returns on graceful shutdown
/// or cancellation, closing the connections. Add it to the application's `ServiceGroup` *before* anything
/// that still uses the cache during its own shutdown.
///
/// The request path never waits for a connection: with no live connection, commands fail at once with
/// `.notConnected`. Every command is bounded by `commandTimeout`; a timed-out connection is closed (its
/// late reply would otherwise be paired with the next command) and replaced by `run()`.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    /// Shared with `RedisEmbeddingCache`, so its lines carry the same `redis` metadata.
    public let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let commandTimeout: TimeAmount
    private let state: Mutex<State>
    /// Connection warnings are shared by all slots and limited to one a second (the rest go to debug),
    /// so a flapping or overloaded Redis cannot flood the logs.
    private let warningThrottle = Mutex(LogThrottle(interval: .seconds(1)))
    /// The metrics of the node in use: under Sentinel they follow the master (`connect(refresh:)`).
    private let nodeMetrics: Mutex<RedisNodeMetrics>
    var metrics: RedisNodeMetrics { self.nodeMetrics.withLock { $0 } }
    private let metricsFactory: any MetricsFactory
    /// Set for `redis+sentinel://`: where the master is, and the subscription that follows it.
    private let sentinel: SentinelMonitor?

    private struct State {
        /// Live (or just-died) connection per pool slot; `nil` while that slot is reconnecting.
        var slots: [RedisConnection?]
        var nextSlot = 0
        var isRunning = false
    }

    public init(
        configuration: RedisConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        precondition(configuration.poolSize >= 1, "RedisConfiguration.poolSize must be at least 1")
        self.configuration = configuration
        // Under Sentinel the node is not known before the sentinels have named the master.
        let node = configuration.sentinel.map { "sentinel:\($0.masterName)" }
            ?? RedisSentinelConfiguration.Address(host: configuration.host, port: configuration.port).description
        self.nodeMetrics = Mutex(RedisNodeMetrics(node: node, factory: metricsFactory))
        self.metricsFactory = metricsFactory
        var logger = logger
        logger[metadataKey: "redis"] = "\(node)"
        self.logger = logger
        self.sentinel = configuration.sentinel.map {
            SentinelMonitor(configuration: configuration, sentinel: $0, eventLoopGroup: eventLoopGroup, logger: logger, metricsFactory: metricsFactory)
        }
        self.eventLoopGroup = eventLoopGroup
        self.commandTimeout = TimeAmount(configuration.commandTimeout)
        self.state = Mutex(State(slots: Array(repeating: nil, count: configuration.poolSize)))
    }

    // MARK: - Service

    public func run() async throws {
        let alreadyRunning = self.state.withLock { state in
            defer { state.isRunning = true }
            return state.isRunning
        }
        if alreadyRunning {
            throw RedisError(.alreadyRunning, message: "RedisClient.run() is already running")
        }
        defer {
            let connections = self.state.withLock { state in
                defer {
                    state.slots = Array(repeating: nil, count: state.slots.count)
                    state.isRunning = false
                }
                return state.slots.compactMap { $0 }
            }
            for connection in connections { connection.close() }
        }

        self.logger.debug("Redis client starting", metadata: ["pool_size": "\(self.configuration.poolSize)"])
        if self.configuration.tls?.insecure == true {
            self.logger.warning("Redis TLS certificate verification is OFF (REDIS_TLS_INSECURE): for development only, anyone on the path can read and change the traffic")
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let sentinel = self.sentinel {
                    group.addTask { await sentinel.run(onSwitch: { self.closePooledConnections() }) }
                }
                for slot in 0..<self.configuration.poolSize {
                    group.addTask { await self.maintain(slot: slot) }
                }
            }
        }
        self.logger.debug("Redis client stopped")
    }

    /// Keeps pool slot `slot` connected until the task is cancelled.
    private func maintain(slot: Int) async {
        var backoff = ReconnectBackoff(
            minimum: self.configuration.minReconnectBackoff,
            maximum: self.configuration.maxReconnectBackoff
        )
        var failing = false
        while !Task.isCancelled {
            let generation = self.sentinel?.generation
            do {
                let connection = try await self.connect(refresh: failing)
                if failing {
                    self.logger.info("Redis reconnected", metadata: ["slot": "\(slot)"])
                    self.metrics.reconnects.increment()
                }
                failing = false
                backoff.reset()
                self.state.withLock { $0.slots[slot] = connection }

                // Wait for the connection to die; cancellation (shutdown) closes it.
                await withTaskCancellationHandler {
                    try? await connection.channel.closeFuture.get()
                } onCancel: {
                    connection.close()
                }
                self.state.withLock { state in
                    if let current = state.slots[slot], current.channel === connection.channel {
                        state.slots[slot] = nil
                    }
                }
                if Task.isCancelled { break }
                self.warn("Redis connection lost; reconnecting in the background", metadata: ["slot": "\(slot)"])
                failing = true  // so that recovery is logged
            } catch {
                // One warning per outage and slot (and at most one a second overall); retries go to debug.
                if failing {
                    self.logger.debug("Redis reconnect failed", metadata: ["slot": "\(slot)", "error": "\(error)"])
                } else {
                    self.warn("Cannot connect to Redis; retrying in the background", metadata: ["slot": "\(slot)", "error": "\(error)"])
                    failing = true
                }
            }
            if let sentinel, let generation {
                await sentinel.sleep(for: backoff.next(), unlessSwitchedFrom: generation)
            } else {
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// A new pool connection: to the configured node, or under Sentinel to the current master (asking
    /// the sentinels again with `refresh`, after a failure or a lost connection).
    private func connect(refresh: Bool) async throws -> RedisConnection {
        guard let sentinel else {
            return try await RedisConnection.connect(configuration: self.configuration, eventLoopGroup: self.eventLoopGroup, logger: self.logger)
        }
        let (connection, master) = try await sentinel.connectToMaster(refresh: refresh)
        let node = master.description
        self.nodeMetrics.withLock { metrics in
            if metrics.node != node { metrics = RedisNodeMetrics(node: node, factory: self.metricsFactory) }
        }
        return connection
    }

    /// Closes every pooled connection (the master changed); each slot reconnects to the new master.
    private func closePooledConnections() {
        let connections = self.state.withLock { $0.slots.compactMap { $0 } }
        for connection in connections { connection.close() }
    }

    private func warn(_ message: Logger.Message, metadata: Logger.Metadata) {
        let now = ContinuousClock.now
        if let suppressed = self.warningThrottle.withLock({ $0.admit(now: now) }) {
            var metadata = metadata
            if suppressed > 0 { metadata["suppressed_since_last_warning"] = "\(suppressed)" }
            self.logger.warning(message, metadata: metadata)
        } else {
            self.logger.debug(message, metadata: metadata)
        }
    }

    // MARK: - Commands

    /// True when at least one pooled connection is open. For readiness checks.
    public var isConnected: Bool {
        self.state.withLock { state in state.slots.contains { $0?.isActive == true } }
    }

    /// Sends one command and returns its reply.
    /// - Throws: `RedisError` — `.serverError` for an error reply, `.notConnected` at once when no
    ///   connection is open, `.timeout` after `commandTimeout`, `.connectionClosed` if the connection drops.
    public func send(_ command: [ByteBuffer]) async throws -> RESPValue {
        var buffer = ByteBufferAllocator().buffer(capacity: Self.estimatedSize(command))
        RESPEncoder().encodeCommand(command, into: &buffer)
        return try self.throwingServerError(try await self.execute(buffer, count: 1)[0])
    }

    /// Sends one command whose arguments are UTF-8 strings, e.g. `send(["GET", key])`.
    public func send(_ command: [String]) async throws -> RESPValue {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        RESPEncoder().encodeCommand(command, into: &buffer)
        return try self.throwingServerError(try await self.execute(buffer, count: 1)[0])
    }

    /// Sends several commands in one write on one connection and returns their replies in order.
    ///
    /// Error replies are returned in place as `.error` values, so one failing command does not hide the
    /// others' results. Transport failures (`.notConnected`, `.timeout`, `.connectionClosed`) throw.
    public func pipeline(_ commands: [[ByteBuffer]]) async throws -> [RESPValue] {
        var buffer = ByteBufferAllocator().buffer(capacity: commands.reduce(0) { $0 + Self.estimatedSize($1) })
        let encoder = RESPEncoder()
        for command in commands { encoder.encodeCommand(command, into: &buffer) }
        return try await self.execute(buffer, count: commands.count)
    }

    /// `pipeline` for commands whose arguments are UTF-8 strings.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        var buffer = ByteBufferAllocator().buffer(capacity: commands.count * 48)
        let encoder = RESPEncoder()
        for command in commands { encoder.encodeCommand(command, into: &buffer) }
        return try await self.execute(buffer, count: commands.count)
    }

    /// Sends `PING` and expects `PONG`.
    public func ping() async throws {
        let reply = try await self.send(["PING"])
        guard reply == .simpleString("PONG") else {
            throw RedisError(.unexpectedReply, message: "PING answered \(reply)")
        }
    }

    /// Writes `count` pre-encoded commands on the next open connection (round-robin).
    /// Used directly by `RedisEmbeddingCache`, which encodes values straight into the buffer.
    func execute(_ buffer: ByteBuffer, count: Int) async throws -> [RESPValue] {
        let connection: RedisConnection
        do {
            connection = try self.nextConnection()
        } catch {
            self.metrics.record(error)
            throw error
        }
        let start = ContinuousClock.now
        do {
            let replies = try await connection.execute(buffer, count: count, timeout: self.commandTimeout)
            self.metrics.duration.record(duration: ContinuousClock.now - start)
            return replies
        } catch {
            self.metrics.record(error)
            throw error
        }
    }

    private func nextConnection() throws(RedisError) -> RedisConnection {
        try self.state.withLock { state throws(RedisError) -> RedisConnection in
            let count = state.slots.count
            for _ in 0..<count {
                let slot = state.nextSlot
                state.nextSlot = slot + 1 == count ? 0 : slot + 1
                if let connection = state.slots[slot], connection.isActive {
                    return connection
                }
            }
            throw RedisError.notConnected
        }
    }

    private func throwingServerError(_ reply: RESPValue) throws -> RESPValue {
        if case .error(let message) = reply {
            self.metrics.serverErrors.increment()
            throw RedisError.serverError(message)
        }
        return reply
    }

    private static func estimatedSize(_ command: [ByteBuffer]) -> Int {
        command.reduce(16) { $0 + $1.readableBytes + 16 }
    }
}
