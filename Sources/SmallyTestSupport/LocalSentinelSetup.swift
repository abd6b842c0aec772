import Foundation

/// A throw-away Sentinel deployment for tests: one master, one replica and three sentinels (Debian's
/// redis-server; `redis-server <conf> --sentinel`), all on free loopback ports, with a short
/// `down-after-milliseconds` so that a killed master is failed over within seconds.
public final class LocalSentinelSetup: @unchecked Sendable {
    // Used by one test at a time, like LocalRedisServer.
    public static let masterName = "smally-test"
    public let master: LocalRedisServer
    public let replica: LocalRedisServer
    public private(set) var sentinelPorts: [Int] = []
    /// With TLS: each sentinel's TLS port (the URL lists these; the plain ports stay open for redis-cli).
    public private(set) var sentinelTLSPorts: [Int] = []
    /// Set when everything (data nodes, sentinels, replication, sentinel-to-node links) uses TLS.
    public let tls: TestCertificates?
    /// `requirepass` of the data nodes (and `masterauth`, `sentinel auth-pass`), if any.
    public let dataPassword: String?
    /// `requirepass` of the sentinels, if any.
    public let sentinelPassword: String?
    private var sentinels: [Process] = []
    private let directory: URL

    /// `redis+sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>/smally-test`.
    public var url: String {
        "\(self.tls == nil ? "redis" : "rediss")+sentinel://" + (self.dataPassword.map { ":\($0)@" } ?? "")
            + (self.tls == nil ? self.sentinelPorts : self.sentinelTLSPorts).map { "127.0.0.1:\($0)" }.joined(separator: ",") + "/\(Self.masterName)"
    }

    /// Starts everything and waits until the sentinels know the replica and each other (a failover is
    /// possible from then on). Takes a few seconds: sentinels find each other through 2-second hellos.
    public static func start(downAfterMilliseconds: Int = 1000, waitForFailover: Bool = true,
                             dataPassword: String? = nil, sentinelPassword: String? = nil,
                             tls: TestCertificates? = nil) async throws -> LocalSentinelSetup {
        // No 5-second wait before the replica's first full sync (either node may be master later).
        let nodeArguments = ["--repl-diskless-sync-delay", "0"] + (dataPassword.map { ["--masterauth", $0] } ?? [])
            + (tls == nil ? [] : ["--tls-replication", "yes"])
        let master = try await LocalRedisServer.start(password: dataPassword, extraArguments: nodeArguments, tls: tls)
        let replica = try await LocalRedisServer.start(password: dataPassword,
                                                       extraArguments: nodeArguments + ["--replicaof", "127.0.0.1", String(master.tlsPort ?? master.port)],
                                                       tls: tls)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smally-sentinel-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let setup = LocalSentinelSetup(master: master, replica: replica, directory: directory,
                                       dataPassword: dataPassword, sentinelPassword: sentinelPassword, tls: tls)
        do {
            try await setup.startSentinels(downAfterMilliseconds: downAfterMilliseconds)
            if waitForFailover { try await setup.waitUntilFailoverPossible() }
        } catch {
            setup.terminate()
            throw error
        }
        return setup
    }

    private init(master: LocalRedisServer, replica: LocalRedisServer, directory: URL, dataPassword: String?, sentinelPassword: String?,
                 tls: TestCertificates?) {
        self.tls = tls
        self.master = master
        self.replica = replica
        self.directory = directory
        self.dataPassword = dataPassword
        self.sentinelPassword = sentinelPassword
    }

    /// The port a data node is known by to the sentinels and clients: its TLS port with TLS.
    public func nodePort(_ server: LocalRedisServer) -> Int {
        server.tlsPort ?? server.port
    }

    private func startSentinels(downAfterMilliseconds: Int) async throws {
        var ports: [Int] = []
        var tlsPorts: [Int] = []
        while ports.count < 3 {
            let port = Int.random(in: 20000..<45000)
            guard !ports.contains(port), !Self.answers(port: port), !Self.answers(port: port + 1) else { continue }
            let file = self.directory.appendingPathComponent("sentinel-\(port).conf")
            // Sentinel rewrites its file (known replicas and sentinels), so each gets its own, writable.
            try """
            port \(port)
            bind 127.0.0.1
            daemonize no
            logfile ""
            dir \(self.directory.path)
            sentinel monitor \(Self.masterName) 127.0.0.1 \(self.nodePort(self.master)) 2
            sentinel down-after-milliseconds \(Self.masterName) \(downAfterMilliseconds)
            sentinel failover-timeout \(Self.masterName) 10000
            sentinel parallel-syncs \(Self.masterName) 1
            \(self.dataPassword.map { "sentinel auth-pass \(Self.masterName) \($0)" } ?? "")
            \(self.sentinelPassword.map { "requirepass \($0)\nsentinel sentinel-pass \($0)" } ?? "")
            \(self.tls.map { "tls-port \(port + 1)\ntls-cert-file \($0.serverCertificateFile)\ntls-key-file \($0.serverKeyFile)\ntls-ca-cert-file \($0.caFile)\ntls-auth-clients no\ntls-replication yes" } ?? "")

            """.write(to: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = try LocalRedisServer.executable("redis-server")
            process.arguments = [file.path, "--sentinel"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            self.sentinels.append(process)
            do {
                try await waitUntil("sentinel on port \(port)", within: .seconds(5)) {
                    guard process.isRunning else { return true }
                    return Self.answers(port: port)
                }
            } catch {
                process.terminate()
                continue
            }
            if process.isRunning {  // else the port was taken meanwhile: another one
                ports.append(port)
                tlsPorts.append(port + 1)
            }
        }
        self.sentinelPorts = ports
        self.sentinelTLSPorts = tlsPorts
    }

    /// Waits until every sentinel sees the replica and the two other sentinels, and the replica is in sync.
    public func waitUntilFailoverPossible(within limit: Duration = .seconds(30)) async throws {
        try await waitUntil("the sentinels to find the replica and each other", within: limit) {
            guard (try? Self.cli(port: self.replica.port, password: self.dataPassword, ["INFO", "replication"]))?.contains("master_link_status:up") == true else { return false }
            for port in self.sentinelPorts {
                let quorum = (try? Self.cli(port: port, password: self.sentinelPassword, ["SENTINEL", "CKQUORUM", Self.masterName])) ?? ""
                let replicas = (try? Self.cli(port: port, password: self.sentinelPassword, ["SENTINEL", "REPLICAS", Self.masterName])) ?? ""
                guard quorum.contains("3 usable"), replicas.contains(String(self.currentReplicaPort ?? self.nodePort(self.replica))) else { return false }
            }
            return true
        }
    }

    /// The port the sentinels name as master now (asks the first sentinel that answers).
    public func masterPort() -> Int? {
        for port in self.sentinelPorts {
            let lines = ((try? Self.cli(port: port, password: self.sentinelPassword, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", Self.masterName])) ?? "").split(whereSeparator: \.isNewline)
            if lines.count == 2, let masterPort = Int(lines[1].trimmingCharacters(in: .whitespaces)) { return masterPort }
        }
        return nil
    }

    private var currentReplicaPort: Int? {
        guard let master = self.masterPort() else { return nil }
        return master == self.nodePort(self.master) ? self.nodePort(self.replica) : self.nodePort(self.master)
    }

    /// `SENTINEL FAILOVER`: a graceful switch (the old master becomes a replica of the new one).
    /// Asks the first sentinel that is still up.
    public func failover() throws {
        var replies: [String] = []
        for (port, process) in zip(self.sentinelPorts, self.sentinels) where process.isRunning {
            let reply = try Self.cli(port: port, password: self.sentinelPassword, ["SENTINEL", "FAILOVER", Self.masterName])
            if reply.contains("OK") { return }
            replies.append(reply)
        }
        throw LocalRedisServer.StartFailed(description: "SENTINEL FAILOVER answered \(replies)")
    }

    /// SIGKILL of sentinel `index` (0...2).
    public func killSentinel(_ index: Int) {
        let process = self.sentinels[index]
        Foundation.kill(process.processIdentifier, SIGKILL)
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
    }

    /// SIGKILL of the redis-server on `port` (our own child: its pid from `INFO server`).
    public func kill(port: Int) throws {
        let info = try Self.cli(port: port, password: self.dataPassword, ["INFO", "server"])
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("process_id:") }),
            let pid = Int32(line.dropFirst("process_id:".count).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw LocalRedisServer.StartFailed(description: "no process_id in INFO of port \(port)") }
        Foundation.kill(pid, SIGKILL)
    }

    /// What `redis-cli -p <port> [-a password] <arguments>` would print (over a socket, ``RedisCommandSocket``).
    public static func cli(port: Int, password: String? = nil, _ arguments: [String]) throws -> String {
        try RedisCommandSocket.run(port: port, password: password, arguments)
    }

    private static func answers(port: Int) -> Bool {
        RedisPing.answers(port: port)
    }

    public func terminate() {
        // SIGKILL at once: nothing to keep, and a sentinel started from here ignored SIGTERM for over 5 s.
        for process in self.sentinels where process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            for _ in 0..<500 where process.isRunning { usleep(10_000) }
        }
        self.sentinels = []
        // NOW: a master does not wait (up to 10 s) for its replica before exiting.
        for port in [self.master.port, self.replica.port] { _ = try? Self.cli(port: port, password: self.dataPassword, ["SHUTDOWN", "NOSAVE", "NOW"]) }
        self.master.terminate()
        self.replica.terminate()
        try? FileManager.default.removeItem(at: self.directory)
    }

    deinit {
        self.terminate()
    }
}
