import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Redis Cluster client: one `RedisClient` per node (so TLS, AUTH, pooling, reconnects and per-node
/// metrics are those of a single Redis), a slot map, and routing.
///
/// - The slot map comes from `CLUSTER SLOTS`, asked of a connected node: at start (the seeds), every
///   `refreshInterval`, and within `minimumRefreshGap` after a `MOVED`, a failing master or a
///   `CLUSTERDOWN`. Clients are made for every master and replica the map names, so a promoted
///   replica is already connected when the map names it.
/// - Each command goes to its slot's master. `MOVED` patches the map and retries there; `ASK` retries
///   once on the named node after `ASKING`. At most `maxRedirects` per command.
/// - Batches are split per master and sent as one pipeline per master, all masters at once: a
///   multi-key read of keys on three masters costs one round trip to each. Keys of one slot share one
///   `MGET`.
/// - Failures stay per node: a command for a master that is down fails at once (`.notConnected`) as
///   with a single Redis, while the other masters' slots keep working.
public final class RedisClusterClient: RedisExecutor {
    public let configuration: RedisClusterConfiguration
    public let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let metricsFactory: any MetricsFactory
    private let state: Mutex<State>

    private struct State {
        var map: ClusterSlotMap?
        var nodes: [RedisNodeAddress: RedisClient] = [:]
        /// Hands new node clients to `run()`, which runs them; `nil` while not running.
        var spawn: AsyncStream<RedisClient>.Continuation?
        var schedule: TopologyRefreshSchedule
        var isRunning = false
    }

    /// A unit of routing: one command, or the keys of one slot read with one `MGET`.
    /// What goes to one slot's master as one command: items of `batches[source]`, sent as they are
    /// (one command) or, for bare keys, as one `MGET` of them.
    private struct Unit: Sendable {
        var slot: Int?
        var items: [Int]
        var multiGet = false
        var source = 0
    }

    public init(
        configuration: RedisClusterConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "redis_cluster"] = "\(configuration.seeds.map(\.description).joined(separator: ","))"
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.metricsFactory = metricsFactory
        var state = State(schedule: TopologyRefreshSchedule(interval: configuration.refreshInterval,
                                                             minimumGap: configuration.minimumRefreshGap))
        for seed in configuration.seeds where state.nodes[seed] == nil {
            state.nodes[seed] = Self.makeNode(seed, configuration: configuration, logger: logger,
                                              eventLoopGroup: eventLoopGroup, metricsFactory: metricsFactory)
        }
        self.state = Mutex(state)
    }

    private static func makeNode(_ address: RedisNodeAddress, configuration: RedisClusterConfiguration, logger: Logger,
                                 eventLoopGroup: any EventLoopGroup, metricsFactory: any MetricsFactory) -> RedisClient {
        var node = configuration.node
        node.host = address.host
        node.port = address.port
        return RedisClient(configuration: node, logger: logger, eventLoopGroup: eventLoopGroup, metricsFactory: metricsFactory)
    }

    // MARK: - Service

    public func run() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisClient.self)
        let initial = try self.state.withLock { state throws(RedisError) -> [RedisClient] in
            if state.isRunning { throw RedisError(.alreadyRunning, message: "RedisClusterClient.run() is already running") }
            state.isRunning = true
            state.spawn = continuation
            return Array(state.nodes.values)
        }
        defer {
            self.state.withLock { state in
                state.spawn = nil
                state.isRunning = false
            }
            continuation.finish()
        }
        self.logger.debug("Redis Cluster client starting")
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for node in initial { group.addTask { try? await node.run() } }
                group.addTask { await self.maintainTopology() }
                // Ends when the task is cancelled (shutdown).
                for await node in stream { group.addTask { try? await node.run() } }
            }
        }
        self.logger.debug("Redis Cluster client stopped")
    }

    // MARK: - Topology

    private func maintainTopology() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            if self.state.withLock({ $0.schedule.start(now: now) }) {
                let success = await self.refreshTopology()
                self.state.withLock { $0.schedule.finished(success: success) }
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    /// Asks up to three connected nodes for `CLUSTER SLOTS` and installs the first map that covers
    /// every slot with masters that are not known to be down; failing that, the best answer (full
    /// coverage first), and tries again soon. A node that has not yet learnt of a failover still
    /// names the dead master: another node's answer is preferred. True when a healthy full map was found.
    private func refreshTopology() async -> Bool {
        let candidates = self.state.withLock { state in
            state.nodes.filter { $0.value.isConnected }.shuffled()
        }
        var fallback: ClusterSlotMap?
        for (address, client) in candidates.prefix(3) {
            do {
                var buffer = ByteBufferAllocator().buffer(capacity: 32)
                RESPEncoder().encodeCommand(["CLUSTER", "SLOTS"], into: &buffer)
                let reply = try await client.execute(buffer, count: 1)[0]
                let map = try ClusterSlotMap(clusterSlots: reply, queriedHost: address.host)
                let mastersUp = self.state.withLock { state in
                    map.masters.allSatisfy { state.nodes[$0]?.isConnected ?? true }  // a new node: not known down
                }
                if map.coversAllSlots && mastersUp {
                    self.install(map)
                    return true
                }
                if fallback == nil || (map.coversAllSlots && fallback?.coversAllSlots == false) { fallback = map }
            } catch {
                self.logger.debug("CLUSTER SLOTS failed", metadata: ["node": "\(address)", "error": "\(error)"])
            }
        }
        if let fallback { self.install(fallback) }
        return false
    }

    private func install(_ map: ClusterSlotMap) {
        let (spawn, newNodes, changed) = self.state.withLock { state in
            var newNodes: [RedisClient] = []
            for address in map.masters + map.replicas where state.nodes[address] == nil {
                let client = Self.makeNode(address, configuration: self.configuration, logger: self.logger,
                                           eventLoopGroup: self.eventLoopGroup, metricsFactory: self.metricsFactory)
                state.nodes[address] = client
                newNodes.append(client)
            }
            let changed = state.map != map
            state.map = map
            return (state.spawn, newNodes, changed)
        }
        for node in newNodes { spawn?.yield(node) }
        if changed {
            self.logger.info("Redis Cluster slot map", metadata: [
                "masters": "\(map.masters.map(\.description).joined(separator: ","))",
                "replicas": "\(map.replicas.count)",
                "all_slots_served": "\(map.coversAllSlots)",
            ])
        }
    }

    /// The current slot map (for tests and diagnostics).
    public var slotMap: ClusterSlotMap? {
        self.state.withLock { $0.map }
    }

    /// The client of one node, if the cluster client knows that node (for tests and diagnostics).
    public func node(_ address: RedisNodeAddress) -> RedisClient? {
        self.state.withLock { $0.nodes[address] }
    }

    // MARK: - Commands

    /// True when the map covers every slot and each master has an open connection.
    public var isConnected: Bool {
        self.state.withLock { state in
            guard let map = state.map, map.coversAllSlots else { return false }
            return map.masters.allSatisfy { state.nodes[$0]?.isConnected == true }
        }
    }

    public func send(_ command: [String]) async throws -> RESPValue {
        var batch = RedisBatch(capacity: 64)
        batch.appendCommand(command, keyArgument: RedisCommandKey.argument(of: command))
        let reply = try await self.route([Unit(slot: batch.slot(of: 0), items: [0])], [batch])[0].get()
        if case .error(let message) = reply { throw RedisError.serverError(message) }
        return reply
    }

    public func get(_ keys: RedisBatch) async throws -> [RESPValue] {
        let units = Self.multiGetUnits(keys, source: 0)
        return await self.values(of: keys, units, self.route(units, [keys]), batches: [keys])
    }

    public func execute(_ commands: RedisBatch) async throws -> [RESPValue] {
        let units = Self.commandUnits(commands, source: 0)
        return await self.route(units, [commands]).map(Self.reply)
    }

    /// The `MGET`s and the commands routed together: one pipeline per master for both (a master that
    /// holds the cache keys and a quota counter gets one round trip, not two).
    public func get(_ keys: RedisBatch, alongside commands: RedisBatch) async throws -> (values: [RESPValue], replies: [RESPValue]) {
        let keyUnits = Self.multiGetUnits(keys, source: 0)
        let units = keyUnits + Self.commandUnits(commands, source: 1)
        let results = await self.route(units, [keys, commands])
        let values = await self.values(of: keys, keyUnits, Array(results[..<keyUnits.count]), batches: [keys, commands])
        return (values, results[keyUnits.count...].map(Self.reply))
    }

    /// One unit per slot of the keys, each an `MGET` of that slot's keys.
    private static func multiGetUnits(_ keys: RedisBatch, source: Int) -> [Unit] {
        var units: [Unit] = []
        var unitOfSlot: [Int: Int] = [:]
        for index in 0..<keys.count {
            let slot = keys.slot(of: index) ?? 0
            if let unit = unitOfSlot[slot] {
                units[unit].items.append(index)
            } else {
                unitOfSlot[slot] = units.count
                units.append(Unit(slot: slot, items: [index], multiGet: true, source: source))
            }
        }
        return units
    }

    private static func commandUnits(_ commands: RedisBatch, source: Int) -> [Unit] {
        (0..<commands.count).map { Unit(slot: commands.slot(of: $0), items: [$0], source: source) }
    }

    private static func reply(_ result: Result<RESPValue, RedisError>) -> RESPValue {
        switch result {
        case .success(let reply): reply
        case .failure(let error): .error("\(error)")
        }
    }

    /// The keys' values, in order, from their `MGET` units' results.
    private func values(of keys: RedisBatch, _ units: [Unit], _ results: [Result<RESPValue, RedisError>],
                        batches: [RedisBatch]) async -> [RESPValue] {
        var units = units
        var results = results
        // A slot being migrated answers a multi-key MGET with TRYAGAIN when only some of its keys
        // are still on the source: read those keys one by one (each follows its own ASK).
        let retry = units.indices.filter { index in
            guard units[index].items.count > 1, case .success(.error(let message)) = results[index] else { return false }
            return message.hasPrefix("TRYAGAIN")
        }
        if !retry.isEmpty {
            let singles = retry.flatMap { index in
                units[index].items.map { Unit(slot: units[index].slot, items: [$0], multiGet: true, source: units[index].source) }
            }
            let singleResults = await self.route(singles, batches)
            for index in retry.reversed() {
                units.remove(at: index)
                results.remove(at: index)
            }
            units += singles
            results += singleResults
        }
        var values = [RESPValue](repeating: .bulkString(nil), count: keys.count)
        for (unit, result) in zip(units, results) {
            switch result {
            case .success(.array(let elements?)) where elements.count == unit.items.count:
                for (index, value) in zip(unit.items, elements) { values[index] = value }
            case .success(.error(let message)):
                for index in unit.items { values[index] = .error(message) }
            case .success(let other):
                for index in unit.items { values[index] = .error("MGET answered \(other)") }
            case .failure(let error):
                for index in unit.items { values[index] = .error("\(error)") }
            }
        }
        return values
    }

    // MARK: - Routing

    /// Sends every unit to its node (one pipeline per node, all nodes at once), following redirects.
    private func route(_ units: [Unit], _ batches: [RedisBatch]) async -> [Result<RESPValue, RedisError>] {
        var results = [Result<RESPValue, RedisError>?](repeating: nil, count: units.count)
        var asking = [RedisNodeAddress?](repeating: nil, count: units.count)
        var pending = Array(units.indices)
        var round = 0
        while !pending.isEmpty {
            guard round <= self.configuration.maxRedirects else {
                for unit in pending {
                    results[unit] = .failure(RedisError(.serverError, message: "more than \(self.configuration.maxRedirects) cluster redirects"))
                }
                break
            }
            round += 1

            // Decide under the lock which node serves each unit; start clients for new nodes after it.
            let (groups, spawn, newNodes) = self.state.withLock { state in
                var groups: [RedisNodeAddress: (RedisClient, [Int])] = [:]
                var newNodes: [RedisClient] = []
                for unit in pending {
                    let address: RedisNodeAddress?
                    if let target = asking[unit] {
                        address = target
                    } else if let slot = units[unit].slot {
                        address = state.map?.master(of: slot)
                    } else {
                        address = state.map?.masters.randomElement() ?? self.configuration.seeds.first
                    }
                    guard let address else {
                        state.schedule.request()
                        results[unit] = .failure(RedisError(.notConnected, message: "no master known for slot \(units[unit].slot ?? -1)"))
                        continue
                    }
                    if groups[address] != nil {
                        groups[address]!.1.append(unit)
                        continue
                    }
                    let client: RedisClient
                    if let known = state.nodes[address] {
                        client = known
                    } else {
                        client = Self.makeNode(address, configuration: self.configuration, logger: self.logger,
                                               eventLoopGroup: self.eventLoopGroup, metricsFactory: self.metricsFactory)
                        state.nodes[address] = client
                        newNodes.append(client)
                    }
                    groups[address] = (client, [unit])
                }
                return (groups, state.spawn, newNodes)
            }
            for node in newNodes { spawn?.yield(node) }

            let outcomes: [(RedisNodeAddress, RedisClient, [Int], Result<[RESPValue], RedisError>)]
            if groups.count == 1, let (address, (client, members)) = groups.first {
                outcomes = [(address, client, members,
                             await Self.send(units, members, asking: asking, batches, to: client))]
            } else {
                let asking = asking
                outcomes = await withTaskGroup(of: (RedisNodeAddress, RedisClient, [Int], Result<[RESPValue], RedisError>).self) { group in
                    for (address, (client, members)) in groups {
                        group.addTask {
                            (address, client, members, await Self.send(units, members, asking: asking, batches, to: client))
                        }
                    }
                    var outcomes: [(RedisNodeAddress, RedisClient, [Int], Result<[RESPValue], RedisError>)] = []
                    for await outcome in group { outcomes.append(outcome) }
                    return outcomes
                }
            }

            pending = []
            var moved: [(Int, RedisNodeAddress)] = []
            var refresh = false
            for (address, client, members, outcome) in outcomes {
                switch outcome {
                case .failure(let error):
                    for unit in members { results[unit] = .failure(error) }
                    refresh = true  // a master down or stalled: its replica may be taking over
                case .success(let replies):
                    for (unit, reply) in zip(members, replies) {
                        asking[unit] = nil
                        if case .error(let message) = reply {
                            if let redirect = ClusterRedirect(message, replyingHost: address.host) {
                                switch redirect.kind {
                                case .moved:
                                    client.metrics.movedRedirects.increment()
                                    moved.append((redirect.slot, redirect.node))
                                case .ask:
                                    client.metrics.askRedirects.increment()
                                    asking[unit] = redirect.node
                                }
                                pending.append(unit)
                                continue
                            }
                            // (Not TRYAGAIN: a migration in progress, whose map has not changed yet.)
                            if message.hasPrefix("CLUSTERDOWN") { refresh = true }
                        }
                        results[unit] = .success(reply)
                    }
                }
            }
            if refresh || !moved.isEmpty {
                self.state.withLock { state in
                    for (slot, node) in moved { state.map?.assign(slot...slot, to: node) }
                    state.schedule.request()
                }
            }
        }
        return results.map { $0 ?? .failure(RedisError(.notConnected)) }
    }

    /// One pipeline to one node: the units' commands (an `MGET` of a slot's keys for a `multiGet`
    /// unit), an `ASKING` before each unit being redirected by `ASK`. Returns one reply per unit.
    private static func send(_ units: [Unit], _ members: [Int], asking: [RedisNodeAddress?], _ batches: [RedisBatch],
                             to client: RedisClient) async -> Result<[RESPValue], RedisError> {
        var buffer = ByteBufferAllocator().buffer(capacity: members.reduce(0) { total, unit in
            units[unit].items.reduce(total + 32) { $0 + batches[units[unit].source].bytes(of: $1).count }
        })
        var count = 0
        for unit in members {
            if asking[unit] != nil {
                RESPEncoder().encodeCommand(["ASKING"], into: &buffer)
                count += 1
            }
            let items = units[unit].items
            let batch = batches[units[unit].source]
            if units[unit].multiGet {
                RESPEncoder.writeArrayHeader(count: items.count + 1, into: &buffer)
                RESPEncoder.writeBulkString("MGET", into: &buffer)
            }
            for item in items { buffer.writeBytes(batch.bytes(of: item)) }
            count += 1
        }
        do {
            let replies = try await client.execute(buffer, count: count)
            var result: [RESPValue] = []
            result.reserveCapacity(members.count)
            var index = 0
            for unit in members {
                if asking[unit] != nil { index += 1 }  // ASKING's +OK
                result.append(replies[index])
                index += 1
            }
            return .success(result)
        } catch let error as RedisError {
            return .failure(error)
        } catch {
            return .failure(RedisError(.connectionClosed, message: "\(error)"))
        }
    }
}
