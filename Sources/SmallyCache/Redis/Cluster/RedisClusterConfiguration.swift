/// Where and how to reach a Redis Cluster: a seed list and the settings every node connection uses.
///
/// Parsed from `redis+cluster://[[user]:password@]host:port,host:port,.../` (`rediss+cluster://` for
/// TLS). The seeds are only where the client first asks for the slot map (`CLUSTER SLOTS`); from then
/// on it talks to the nodes the map names. List a few, in case one is down at start.
public struct RedisClusterConfiguration: Sendable {
    /// Nodes asked for the slot map at start (and whenever no known node answers).
    public var seeds: [RedisNodeAddress]
    /// Settings of every node's connections (credentials, TLS, pool size, timeouts); its host and
    /// port are replaced per node. The database must stay 0 (a cluster has only that one).
    public var node: RedisConfiguration
    /// How often the slot map is refreshed when nothing asks for it sooner. Default 5 s.
    public var refreshInterval: Duration = .seconds(5)
    /// Shortest time between two refreshes asked for by redirects or failing nodes, so that an outage
    /// costs at most a few `CLUSTER SLOTS` a second. Default 200 ms.
    public var minimumRefreshGap: Duration = .milliseconds(200)
    /// Redirects (`MOVED`/`ASK`) followed for one command before giving up. Default 5.
    public var maxRedirects = 5

    public init(seeds: [RedisNodeAddress], node: RedisConfiguration) {
        precondition(!seeds.isEmpty, "RedisClusterConfiguration needs at least one seed")
        self.seeds = seeds
        self.node = node
    }

    /// True for `redis+cluster://` and `rediss+cluster://` URLs.
    public static func isClusterURL(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("redis+cluster://") || lowered.hasPrefix("rediss+cluster://")
    }

    /// Parses a `redis+cluster://` URL. Throws `RedisError` `.invalidConfiguration` naming the problem
    /// (the password redacted).
    public init(url: String) throws {
        func invalid(_ reason: String) -> RedisError {
            RedisError(.invalidConfiguration, message: "invalid Redis Cluster URL '\(RedisConfiguration.redact(url))': \(reason)")
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw invalid("expected redis+cluster://[user:password@]host:port,host:port,.../")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis+cluster" || scheme == "rediss+cluster" else {
            throw invalid("scheme must be redis+cluster:// or rediss+cluster:// (TLS)")
        }
        let plainScheme = scheme == "rediss+cluster" ? "rediss" : "redis"
        var rest = Substring(url[schemeEnd.upperBound...])
        var userinfo: Substring = ""
        if let at = rest.lastIndex(of: "@") {
            userinfo = rest[...at]
            rest = rest[rest.index(after: at)...]
        }
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            guard path.isEmpty || path == "0" else { throw invalid("a cluster has only database 0") }
            rest = rest[..<slash]
        }
        let hosts = rest.split(separator: ",", omittingEmptySubsequences: false)
        guard !hosts.isEmpty, !hosts.contains(where: \.isEmpty) else { throw invalid("expected a comma-separated list of host:port") }
        var seeds: [RedisNodeAddress] = []
        var template: RedisConfiguration?
        for host in hosts {
            // Each seed parsed as a one-node URL with the shared credentials: same rules, same messages.
            let single: RedisConfiguration
            do {
                single = try RedisConfiguration(url: "\(plainScheme)://\(userinfo)\(host)")
            } catch let error as RedisError {
                throw invalid("seed '\(host)': " + (error.message.map { $0.components(separatedBy: "': ").last ?? $0 } ?? "\(error)"))
            }
            seeds.append(RedisNodeAddress(host: single.host, port: single.port))
            if template == nil { template = single }
        }
        self.init(seeds: seeds, node: template!)
    }
}
