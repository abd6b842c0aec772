import Foundation
import SmallyCache

// Test helpers shared by the test targets: throw-away Redis servers and polling. A library
// target (like HummingbirdTesting), so that no test target copies another's helpers.

/// How the real-Redis tests find their server.
///
/// `REDIS_URL` must be set (CI starts a Redis and sets it). Without it these tests fail, with a message
/// saying so, rather than silently pass; `SMALLY_SKIP_REDIS_TESTS=1` is the only way to skip them.
public enum RedisTestEnvironment {
    public static let skip = ProcessInfo.processInfo.environment["SMALLY_SKIP_REDIS_TESTS"] == "1"

    public struct Missing: Error, CustomStringConvertible {
        public init() {}
        public var description: String {
            "REDIS_URL is not set. These tests need a real Redis: start one (e.g. `redis-server --port 6390 --bind 127.0.0.1 "
                + "--daemonize yes --save \"\" --appendonly no`) and set REDIS_URL=redis://127.0.0.1:6390, "
                + "or set SMALLY_SKIP_REDIS_TESTS=1 to skip them."
        }
    }

    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    public static func configuration() throws -> RedisConfiguration {
        var config = try RedisConfiguration(url: try url())
        // Generous for a loaded 2-core CI box; the timeout behaviour itself is tested separately.
        config.commandTimeout = .seconds(2)
        config.connectTimeout = .seconds(2)
        return config
    }
}

public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for: \(what)" }
}

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns the time it took.
@discardableResult
public func waitUntil(_ what: String, within limit: Duration, _ condition: () async -> Bool) async throws -> Duration {
    let start = ContinuousClock.now
    while !(await condition()) {
        if ContinuousClock.now - start > limit { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
    return ContinuousClock.now - start
}

/// A throw-away redis-server started by a test (for killing and restarting it), on a random free port.
public final class LocalRedisServer: @unchecked Sendable {
    // Used by one test at a time; the process handle is only touched from that test.
    public let port: Int
    public let password: String?
    /// Port of the TLS listener when started with `tls:` (the plain port stays open for the readiness ping).
    public let tlsPort: Int?
    private let extraArguments: [String]
    private var process: Process?

    public struct StartFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a server on a random port in 20000..<45000, retrying other ports if one is taken.
    /// With `tls`, also listens with TLS on `tlsPort` with its server certificate; `requireClientCertificate`
    /// sets `tls-auth-clients yes` (else `no`).
    public static func start(password: String? = nil, extraArguments: [String] = [], tls: TestCertificates? = nil,
                             requireClientCertificate: Bool = false) async throws -> LocalRedisServer {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<45000)
            var arguments = extraArguments
            if let tls {
                arguments += ["--tls-port", String(port + 1), "--tls-cert-file", tls.serverCertificateFile,
                              "--tls-key-file", tls.serverKeyFile, "--tls-ca-cert-file", tls.caFile,
                              "--tls-auth-clients", requireClientCertificate ? "yes" : "no"]
            }
            let server = LocalRedisServer(port: port, password: password, extraArguments: arguments,
                                          tlsPort: tls == nil ? nil : port + 1)
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

    private init(port: Int, password: String?, extraArguments: [String], tlsPort: Int?) {
        self.port = port
        self.password = password
        self.extraArguments = extraArguments
        self.tlsPort = tlsPort
    }

    public var configuration: RedisConfiguration {
        var config = RedisConfiguration(host: "127.0.0.1", port: self.port, password: self.password)
        config.connectTimeout = .seconds(1)
        config.commandTimeout = .seconds(2)
        return config
    }

    /// (Re)starts the server on `port` and waits until it answers.
    public func start() async throws {
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

        // Ready once PING gets any reply (NOAUTH counts: the server is up).
        let start = ContinuousClock.now
        while true {
            guard process.isRunning else {
                throw StartFailed(description: "redis-server exited at start (port \(self.port) taken?)")
            }
            if RedisPing.answers(port: self.port) { return }
            if ContinuousClock.now - start > .seconds(5) {
                throw StartFailed(description: "redis-server on port \(self.port) not ready after 5 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `redis-cli -p PORT shutdown nosave`, then waits for the process to exit.
    public func shutdown() async throws {
        let cli = Process()
        cli.executableURL = try Self.executable("redis-cli")
        cli.arguments = ["-p", String(self.port)] + (self.password.map { ["-a", $0, "--no-auth-warning"] } ?? []) + ["shutdown", "nosave"]
        cli.standardOutput = FileHandle.nullDevice
        cli.standardError = FileHandle.nullDevice
        try cli.run()
        Self.waitForExit(cli)
        if let process = self.process {
            try await waitUntil("redis-server to exit", within: .seconds(5)) { !process.isRunning }
        }
        self.process = nil
    }

    /// Last-resort cleanup of our own child process (by its handle, never by name).
    /// Polls for a child's exit (see `terminate`), at most 5 s.
    private static func waitForExit(_ process: Process) {
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
    }

    public func terminate() {
        if let process, process.isRunning {
            process.terminate()
            // Poll rather than `waitUntilExit()`, which can wait forever when called from an async
            // test (it spins a run loop that never sees the exit there).
            for _ in 0..<500 where process.isRunning { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        self.process = nil
    }

    deinit {
        self.terminate()
    }

    public static func executable(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw StartFailed(description: "\(name) not found in PATH (apt-get install redis-server)")
    }
}

