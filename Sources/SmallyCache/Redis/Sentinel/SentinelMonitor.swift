import Logging
import Metrics
import NIOCore
import Synchronization

/// Finds and follows the master of a Sentinel-managed Redis for one `RedisClient`.
///
/// - Resolving: the sentinels are asked in turn (`SENTINEL get-master-addr-by-name`); the first one
///   that names the master is asked first next time. A pool connection is used only once the node
///   answers `ROLE` with `master` — an address can be out of date by the time we connect (a failover
///   in progress, a demoted old master).
/// - Following: `run` keeps one pub/sub connection to a sentinel subscribed to `+switch-master`
///   (the next sentinel when it drops). A switch of our master closes the pooled connections, so the
///   pool reconnects to the new master at once, and wakes pool slots waiting out a reconnect backoff.
/// - The recorded master changes only on a `+switch-master` event or a connection that verified its
///   role, so a sentinel lagging behind a failover cannot send the pool back to the old master.
final class SentinelMonitor: Sendable {
    typealias Address = RedisSentinelConfiguration.Address

    let sentinel: RedisSentinelConfiguration
    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// `smally_redis_sentinel_master_switches_total{master}`: changes of the master this client uses.
    private let switches: Counter
    private let state: Mutex<State>

    private struct State {
        var master: Address?
        /// Bumped whenever `master` changes; pool slots compare it to cut a backoff short.
        var generation: UInt64 = 0
        /// The order to ask the sentinels in.
        var sentinels: [Address]
        var onSwitch: (@Sendable () -> Void)?
        /// The sentinel whose `+switch-master` events we receive now, if any.
        var subscribedTo: Address?
    }

    init(configuration: RedisConfiguration, sentinel: RedisSentinelConfiguration, eventLoopGroup: any EventLoopGroup,
         logger: Logger, metricsFactory: any MetricsFactory) {
        precondition(!sentinel.sentinels.isEmpty, "Sentinel mode needs at least one sentinel")
        self.sentinel = sentinel
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.switches = Counter(label: "smally_redis_sentinel_master_switches_total",
                                dimensions: [("master", sentinel.masterName)], factory: metricsFactory)
        self.state = Mutex(State(sentinels: sentinel.sentinels))
    }

    var generation: UInt64 { self.state.withLock { $0.generation } }
    /// The master in use (verified or announced by a sentinel), `nil` before the first connection.
    var master: Address? { self.state.withLock { $0.master } }
    /// True while a sentinel subscription delivers `+switch-master` events.
    var isSubscribed: Bool { self.state.withLock { $0.subscribedTo != nil } }

    // MARK: - Pool connections

    /// A pool connection to the master: the recorded one, or with `refresh` (or none recorded) the one the
    /// sentinels name now; used only once it answers `ROLE` with `master`.
    func connectToMaster(refresh: Bool) async throws -> (RedisConnection, Address) {
        let known = refresh ? nil : self.master
        let address: Address
        if let known { address = known } else { address = try await self.resolve() }
        var target = self.configuration
        target.host = address.host
        target.port = address.port
        let connection = try await RedisConnection.connect(configuration: target, eventLoopGroup: self.eventLoopGroup, logger: self.logger)
        do {
            let role = try await connection.role(timeout: TimeAmount(self.configuration.connectTimeout))
            guard role == "master" else {
                throw RedisError(.connectFailed, message: "\(address) is a \(role), not the master of '\(self.sentinel.masterName)' (failover in progress?)")
            }
        } catch {
            connection.close()
            throw error
        }
        self.record(master: address, reason: "verified with ROLE")
        return (connection, address)
    }

    /// Asks the sentinels in turn for the master's address.
    /// - Throws: `.connectFailed` naming each sentinel's failure when none names the master.
    func resolve() async throws(RedisError) -> Address {
        let sentinels = self.state.withLock { $0.sentinels }
        var failures: [String] = []
        for address in sentinels {
            do {
                let connection = try await RedisConnection.connect(configuration: self.sentinelConfiguration(address),
                                                                   eventLoopGroup: self.eventLoopGroup, logger: self.logger)
                defer { connection.close() }
                var buffer = connection.channel.allocator.buffer(capacity: 64)
                RESPEncoder().encodeCommand(["SENTINEL", "get-master-addr-by-name", self.sentinel.masterName], into: &buffer)
                let reply = try await connection.execute(buffer, count: 1, timeout: TimeAmount(self.configuration.connectTimeout))[0]
                switch try SentinelReplies.masterAddress(reply) {
                case .address(let master):
                    self.state.withLock { state in
                        // Ask the one that knew first next time (the order Redis' client guidelines suggest).
                        state.sentinels.removeAll { $0 == address }
                        state.sentinels.insert(address, at: 0)
                    }
                    return master
                case .unknownName:
                    failures.append("\(address): no master named '\(self.sentinel.masterName)'")
                }
            } catch {
                failures.append("\(address): \(error)")
            }
        }
        throw RedisError(.connectFailed, message: "no sentinel named the master '\(self.sentinel.masterName)': " + failures.joined(separator: "; "))
    }

    /// Sleeps for `delay`, or less when the master changes away from `generation`.
    ///
    /// Polls every 50 ms rather than registering a waiter: it runs only while a pool slot is failing,
    /// and 50 ms is small beside a failover's seconds.
    func sleep(for delay: Duration, unlessSwitchedFrom generation: UInt64) async {
        let end = ContinuousClock.now + delay
        while !Task.isCancelled, self.generation == generation {
            let left = end - ContinuousClock.now
            if left <= .zero { return }
            try? await Task.sleep(for: min(left, .milliseconds(50)))
        }
    }

    // MARK: - Following +switch-master

    /// Keeps a subscription to `+switch-master` on one sentinel after another until cancelled.
    /// `onSwitch` is called (outside any lock) whenever the master changes; the client closes its pool there.
    func run(onSwitch: @escaping @Sendable () -> Void) async {
        self.state.withLock { $0.onSwitch = onSwitch }
        var backoff = ReconnectBackoff(minimum: self.configuration.minReconnectBackoff, maximum: self.configuration.maxReconnectBackoff)
        var next = 0
        var warned = false
        while !Task.isCancelled {
            let address = self.state.withLock { $0.sentinels[next % $0.sentinels.count] }
            next += 1
            do {
                try await SentinelSubscription.run(
                    configuration: self.sentinelConfiguration(address), eventLoopGroup: self.eventLoopGroup,
                    onSubscribed: { await self.subscribed(to: address) },
                    onPush: { push in self.received(push) })
            } catch {
                if Task.isCancelled { break }
                if warned {
                    self.logger.debug("Cannot subscribe to a sentinel", metadata: ["sentinel": "\(address)", "error": "\(error)"])
                } else {
                    self.logger.warning("Cannot subscribe to a sentinel; trying the next one (master switches are noticed on connection loss meanwhile)",
                                        metadata: ["sentinel": "\(address)", "error": "\(error)"])
                    warned = true
                }
            }
            let wasSubscribed = self.state.withLock { state in
                defer { state.subscribedTo = nil }
                return state.subscribedTo != nil
            }
            if wasSubscribed {
                backoff.reset()
                warned = false
                if Task.isCancelled { break }
                self.logger.info("Sentinel subscription lost; subscribing on the next sentinel", metadata: ["sentinel": "\(address)"])
            }
            try? await Task.sleep(for: backoff.next())
        }
        self.state.withLock { $0.onSwitch = nil }
    }

    private func subscribed(to address: Address) async {
        self.state.withLock { $0.subscribedTo = address }
        self.logger.debug("Following +switch-master", metadata: ["sentinel": "\(address)"])
        // A switch may have happened while no subscription was up: compare with what the sentinels say now.
        guard let known = self.master, let current = try? await self.resolve(), current != known else { return }
        self.logger.info("Sentinels name another master than the one in use; reconnecting",
                         metadata: ["old": "\(known)", "new": "\(current)"])
        self.state.withLock { $0.onSwitch }?()
    }

    private func received(_ push: RESPValue) {
        guard let event = SentinelReplies.switchMaster(push), event.masterName == self.sentinel.masterName else { return }
        self.record(master: event.new, reason: "+switch-master")
    }

    /// Decides under the lock whether `master` is a change, then acts after it: counts, logs, and lets
    /// the client drop its connections to the old master.
    private func record(master: Address, reason: String) {
        let (old, onSwitch) = self.state.withLock { state -> (Address??, (@Sendable () -> Void)?) in
            guard state.master != master else { return (nil, nil) }
            defer {
                state.master = master
                state.generation &+= 1
            }
            return (.some(state.master), state.onSwitch)
        }
        guard let old else { return }
        guard let old else {
            self.logger.debug("Redis master found", metadata: ["master": "\(master)", "reason": "\(reason)"])
            return
        }
        self.switches.increment()
        self.logger.info("Redis master switched", metadata: ["old": "\(old)", "new": "\(master)", "reason": "\(reason)"])
        onSwitch?()
    }

    /// The data nodes' settings (timeouts, TLS) for a sentinel, with the sentinel's password and no database.
    private func sentinelConfiguration(_ address: Address) -> RedisConfiguration {
        var configuration = self.configuration
        configuration.host = address.host
        configuration.port = address.port
        configuration.username = nil
        configuration.password = self.sentinel.password
        configuration.database = 0
        configuration.sentinel = nil
        return configuration
    }
}
