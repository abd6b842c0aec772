import Logging
import NIOCore
import ServiceLifecycle

/// What the cache, the quota counters and readiness need from Redis: one node (`RedisClient`) or a
/// cluster (`RedisClusterClient`). A `Service`: run it in the application's `ServiceGroup`.
public protocol RedisExecutor: Service, AnyObject, Sendable {
    /// For readiness. One node: a connection is open. Cluster: every slot has a master we are connected to.
    var isConnected: Bool { get }

    /// Carries the `redis` (or `redis_cluster`) metadata; the cache logs with it.
    var logger: Logger { get }

    /// Sends one command and returns its reply; a cluster routes it by its key (``RedisCommandKey``).
    /// - Throws: `RedisError` — `.serverError` for an error reply, transport errors as they come.
    func send(_ command: [String]) async throws -> RESPValue

    /// The values of a batch of bare keys (``RedisBatch/appendKey(length:_:)``), in order: a bulk
    /// string (null when absent) per key. One node: one `MGET`. Cluster: per master one pipeline of
    /// one `MGET` per slot, all masters at once; the keys of a master that failed get `.error` values.
    func get(_ keys: RedisBatch) async throws -> [RESPValue]

    /// The replies to a batch of commands (``RedisBatch/appendCommand(keyArgument:_:)``), in order,
    /// error replies in place. One node: one pipeline. Cluster: one pipeline per master, all at once;
    /// the commands of a master that failed get `.error` values.
    func execute(_ commands: RedisBatch) async throws -> [RESPValue]

    /// ``get(_:)`` and ``execute(_:)`` together, in as few round trips as the topology allows: one
    /// node sends the `MGET` and the commands in one pipeline (one write and one read each way; with
    /// TLS, one record each way instead of two), a cluster runs both at once. `values` as `get` gives
    /// them (error values in place when the `MGET` itself failed), `replies` as `execute` does.
    func get(_ keys: RedisBatch, alongside commands: RedisBatch) async throws -> (values: [RESPValue], replies: [RESPValue])
}

extension RedisExecutor {
    /// Both at once, each routed on its own (a cluster splits both per master anyway).
    public func get(_ keys: RedisBatch, alongside commands: RedisBatch) async throws -> (values: [RESPValue], replies: [RESPValue]) {
        async let values = self.get(keys)
        async let replies = self.execute(commands)
        return try await (values, replies)
    }
}

/// Where a command's key is, for routing: argument 1 for most commands, argument 3 for scripts
/// (`EVALSHA sha numkeys key ...`), none for server commands (`PING`, `INFO`, `CLUSTER ...`).
public enum RedisCommandKey {
    public static func argument(of command: [String]) -> Int? {
        guard let name = command.first?.uppercased() else { return nil }
        switch name {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            guard command.count > 3, let keys = Int(command[2]), keys > 0 else { return nil }
            return 3
        case "PING", "ECHO", "INFO", "CLUSTER", "SCRIPT", "DBSIZE", "FLUSHALL", "FLUSHDB", "CONFIG",
             "CLIENT", "COMMAND", "DEBUG", "TIME", "ROLE", "READONLY", "READWRITE", "ASKING", "FUNCTION":
            return nil
        default:
            return command.count > 1 ? 1 : nil
        }
    }
}
