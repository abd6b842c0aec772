import Foundation
import SmallyCache

/// A throw-away Redis Cluster for tests: `masters` masters with one replica each, every node a
/// `LocalRedisServer` on a random free port, joined with `redis-cli --cluster create`.
///
/// `cluster-node-timeout` is 1 s (Redis' default is 15 s) so that a killed master's replica takes over
/// within about two seconds.
public final class LocalRedisCluster: @unchecked Sendable {
    // Used by one test at a time, like LocalRedisServer.
    public let nodes: [LocalRedisServer]
    private let directory: URL

    public static func start(masters: Int = 3, nodeTimeoutMilliseconds: Int = 1000) async throws -> LocalRedisCluster {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("smally-cluster-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var nodes: [LocalRedisServer] = []
        do {
            for index in 0..<(masters * 2) {
                // Its own directory: a replica's full sync writes dump.rdb there, and a node that
                // found one at start (the shared temporary directory) would load it and refuse to join.
                let home = directory.appendingPathComponent("node-\(index)")
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
                nodes.append(try await LocalRedisServer.start(extraArguments: [
                    "--dir", home.path,
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", directory.appendingPathComponent("nodes-\(index).conf").path,
                    "--cluster-node-timeout", String(nodeTimeoutMilliseconds),
                    "--enable-debug-command", "yes",
                    "--repl-diskless-sync-delay", "0",  // replicas sync at once (default: 5 s wait)
                    // CLUSTER SLOTS lists a replica once its offset is not 0: the first ping
                    // from its master (default: after 10 s) moves it.
                    "--repl-ping-replica-period", "1",
                    // The other masters keep serving while one master's slots wait for its replica.
                    "--cluster-require-full-coverage", "no",
                ]))
            }
            let cluster = LocalRedisCluster(nodes: nodes, directory: directory)
            let output = try cli(["--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" } + ["--cluster-replicas", "1", "--cluster-yes"])
            guard output.contains("[OK] All 16384 slots covered") else {
                throw LocalRedisServer.StartFailed(description: "redis-cli --cluster create failed: \(output)")
            }
            try await cluster.waitUntilHealthy(within: .seconds(20))
            return cluster
        } catch {
            for node in nodes { node.terminate() }
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private init(nodes: [LocalRedisServer], directory: URL) {
        self.nodes = nodes
        self.directory = directory
    }

    /// `redis+cluster://` URL with every node as a seed.
    public var url: String {
        "redis+cluster://" + nodes.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") + "/"
    }

    /// Client settings generous enough for a loaded 2-core CI machine.
    public var configuration: RedisClusterConfiguration {
        var configuration = try! RedisClusterConfiguration(url: url)
        configuration.node.connectTimeout = .seconds(1)
        configuration.node.commandTimeout = .seconds(2)
        return configuration
    }

    /// The live masters and their slot ranges, as the first live node's `CLUSTER NODES` says.
    public func masters() -> [(port: Int, slots: [ClosedRange<Int>])] {
        for node in nodes {
            guard let output = try? Self.cli(["-p", String(node.port), "cluster", "nodes"]), output.contains("myself") else { continue }
            var masters: [(port: Int, slots: [ClosedRange<Int>])] = []
            // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>...
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count > 8, fields[2].contains("master"), !fields[2].contains("fail"),
                      let address = fields[1].split(separator: "@").first, let colon = address.lastIndex(of: ":"),
                      let port = Int(address[address.index(after: colon)...]) else { continue }
                let slots = fields[8...].compactMap { range -> ClosedRange<Int>? in
                    let bounds = range.split(separator: "-").compactMap { Int($0) }
                    if bounds.count == 1 { return bounds[0]...bounds[0] }
                    return bounds.count == 2 ? bounds[0]...bounds[1] : nil
                }
                masters.append((port, slots))
            }
            return masters.sorted { $0.port < $1.port }
        }
        return []
    }

    /// The port of the live master of `slot`.
    public func masterPort(ofSlot slot: Int) -> Int? {
        masters().first { $0.slots.contains { $0.contains(slot) } }?.port
    }

    /// `INFO commandstats` calls of `command` (lowercase, e.g. "mget") on the node at `port`.
    public func calls(of command: String, port: Int) throws -> Int {
        let output = try Self.cli(["-p", String(port), "info", "commandstats"])
        // INFO's lines end in "\r\n", one Character in Swift: split on any newline.
        for line in output.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):calls=") {
            let value = line.dropFirst("cmdstat_\(command):calls=".count).prefix { $0.isNumber }
            return Int(value) ?? 0
        }
        return 0
    }

    /// `CONFIG RESETSTAT` on every live node.
    public func resetStatistics() {
        for node in nodes { _ = try? Self.cli(["-p", String(node.port), "config", "resetstat"]) }
    }

    /// Crashes the node on `port` with `DEBUG SEGFAULT` (as a master dying under load would).
    public func crash(port: Int) throws {
        _ = try Self.cli(["-p", String(port), "debug", "segfault"])
    }

    /// Waits until every node reports `cluster_state:ok` and lists every replica in `CLUSTER SLOTS`.
    public func waitUntilHealthy(within limit: Duration) async throws {
        try await waitUntil("cluster_state:ok and all replicas known on every node", within: limit) {
            self.nodes.allSatisfy { node in
                guard ((try? Self.cli(["-p", String(node.port), "cluster", "info"])) ?? "").contains("cluster_state:ok"),
                      let nodes = try? Self.cli(["-p", String(node.port), "cluster", "nodes"]) else { return false }
                guard nodes.split(separator: "\n").filter({ $0.contains(" slave ") || $0.contains(",slave ") }).count == self.nodes.count / 2,
                      let slots = try? Self.cli(["-p", String(node.port), "cluster", "slots"]) else { return false }
                // CLUSTER SLOTS lists a replica once it has synced. redis-cli prints one value a line;
                // the ports (20000 and up) are the integers above the highest slot.
                let ports = Set(slots.split(whereSeparator: \.isNewline).compactMap { Int($0) }.filter { $0 >= HashSlot.count })
                return ports.count == self.nodes.count
            }
        }
    }

    public func terminate() {
        // SHUTDOWN NOW: a master would otherwise wait up to 10 s (shutdown-timeout) for its replica
        // on SIGTERM; these nodes hold nothing worth a graceful exit.
        for node in nodes { _ = try? Self.cli(["-p", String(node.port), "shutdown", "nosave", "now"]) }
        for node in nodes { node.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        terminate()
    }

    /// Runs `redis-cli` with `arguments` and returns what it printed (stdout and stderr). A plain
    /// command to one node (`-p <port> <command>...`) goes over a socket instead (``RedisCommandSocket``:
    /// no `Process.run()` in the polling loops).
    @discardableResult
    public static func cli(_ arguments: [String]) throws -> String {
        if arguments.count > 2, arguments[0] == "-p", let port = Int(arguments[1]), !arguments[2].hasPrefix("-") {
            return try RedisCommandSocket.run(port: port, Array(arguments[2...]))
        }
        let cli = Process()
        cli.executableURL = try LocalRedisServer.executable("redis-cli")
        cli.arguments = arguments
        let pipe = Pipe()
        cli.standardOutput = pipe
        cli.standardError = pipe
        try cli.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for _ in 0..<500 where cli.isRunning { usleep(10_000) }
        return output
    }
}
