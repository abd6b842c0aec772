import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SmallyCache

/// How the real-Redis tests find their server.
///
/// `REDIS_URL` must be set (CI starts a Redis and sets it). Without it these tests fail, with a message
/// saying so, rather than silently pass; `SMALLY_SKIP_REDIS_TESTS=1` is the only way to skip them.
enum RedisTestEnvironment {
    static let skip = ProcessInfo.processInfo.environment["SMALLY_SKIP_REDIS_TESTS"] == "1"

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "REDIS_URL is not set. These tests need a real Redis: start one (e.g. `redis-server --port 6390 --bind 127.0.0.1 "
                + "--daemonize yes --save \"\" --appendonly no`) and set REDIS_URL=redis://127.0.0.1:6390, "
                + "or set SMALLY_SKIP_REDIS_TESTS=1 to skip them."
        }
    }

    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    static func configuration() throws -> RedisConfiguration {
        var config = try RedisConfiguration(url: try url())
        // Generous for a loaded 2-core CI box; the timeout behaviour itself is tested separately.
        config.commandTimeout = .seconds(2)
        config.connectTimeout = .seconds(2)
        return config
    }
}

let quietLogger = Logger(label: "smally.cache.tests") { _ in SwiftLogNoOpLogHandler() }

/// Runs `client.run()` for the duration of `body`, waiting first until it is connected.
func withRunningClient<T: Sendable>(
    _ configuration: RedisConfiguration,
    waitForConnection: Bool = true,
    _ body: (RedisClient) async throws -> T
) async throws -> T {
    let client = RedisClient(configuration: configuration, logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.run() }
        do {
            if waitForConnection {
                try await waitUntil("client connected", within: .seconds(5)) { client.isConnected }
            }
            let result = try await body(client)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for: \(what)" }
}

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns the time it took.
@discardableResult
func waitUntil(_ what: String, within limit: Duration, _ condition: () async -> Bool) async throws -> Duration {
    let start = ContinuousClock.now
    while !(await condition()) {
        if ContinuousClock.now - start > limit { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
    return ContinuousClock.now - start
}

/// A throw-away redis-server started by a test (for killing and restarting it), on a random free port.
final class LocalRedisServer {
    let port: Int
    let password: String?
    private let extraArguments: [String]
    private var process: Process?

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts a server on a random port in 20000..<45000, retrying other ports if one is taken.
    static func start(password: String? = nil, extraArguments: [String] = []) async throws -> LocalRedisServer {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let server = LocalRedisServer(port: Int.random(in: 20000..<45000), password: password, extraArguments: extraArguments)
            do {
                try await server.start()
                return server
            } catch {
                lastError = error
                server.terminate()
            }
        }
        throw lastError ?? StartFailed(description: "could not start redis-server")
    }

    private init(port: Int, password: String?, extraArguments: [String]) {
        self.port = port
        self.password = password
        self.extraArguments = extraArguments
    }

    var configuration: RedisConfiguration {
        var config = RedisConfiguration(host: "127.0.0.1", port: self.port, password: self.password)
        config.connectTimeout = .seconds(1)
        config.commandTimeout = .seconds(2)
        return config
    }

    /// (Re)starts the server on `port` and waits until it answers.
    func start() async throws {
        let process = Process()
        process.executableURL = try Self.executable("redis-server")
        var arguments = [
            "--port", String(self.port), "--bind", "127.0.0.1", "--daemonize", "no",
            "--save", "", "--appendonly", "no", "--logfile", "", "--dir", NSTemporaryDirectory(),
        ]
        if let password { arguments += ["--requirepass", password] }
        process.arguments = arguments + self.extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process

        // Ready once a raw connection (no AUTH) gets any reply to PING.
        let start = ContinuousClock.now
        var probe = self.configuration
        probe.password = nil
        while true {
            guard process.isRunning else {
                throw StartFailed(description: "redis-server exited at start (port \(self.port) taken?)")
            }
            if let connection = try? await RedisConnection.connect(
                configuration: probe, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: quietLogger)
            {
                let reply = try? await connection.execute(ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"), count: 1, timeout: .seconds(1))
                connection.close()
                if reply != nil { return }
            }
            if ContinuousClock.now - start > .seconds(5) {
                throw StartFailed(description: "redis-server on port \(self.port) not ready after 5 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `redis-cli -p PORT shutdown nosave`, then waits for the process to exit.
    func shutdown() async throws {
        let cli = Process()
        cli.executableURL = try Self.executable("redis-cli")
        cli.arguments = ["-p", String(self.port)] + (self.password.map { ["-a", $0, "--no-auth-warning"] } ?? []) + ["shutdown", "nosave"]
        cli.standardOutput = FileHandle.nullDevice
        cli.standardError = FileHandle.nullDevice
        try cli.run()
        cli.waitUntilExit()
        if let process = self.process {
            try await waitUntil("redis-server to exit", within: .seconds(5)) { !process.isRunning }
        }
        self.process = nil
    }

    /// Last-resort cleanup of our own child process (by its handle, never by name).
    func terminate() {
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        self.process = nil
    }

    deinit {
        self.terminate()
    }

    private static func executable(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw StartFailed(description: "\(name) not found in PATH (apt-get install redis-server)")
    }
}

/// A 384-dimension vector that differs per seed.
func testVector(_ seed: Int) -> [Float] {
    (0..<384).map { Float(seed) + Float($0) / 384 }
}

/// Keys unique to one test run, so parallel runs against a shared Redis never collide.
func uniqueKeys(_ count: Int, model: String = "test-\(UInt64.random(in: 0...UInt64.max))") -> [CacheKey] {
    (0..<count).map { CacheKey(model: model, tokenIDs: [Int32($0)]) }
}
