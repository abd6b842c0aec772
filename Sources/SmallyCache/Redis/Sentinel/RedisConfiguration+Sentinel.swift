extension RedisConfiguration {
    /// The configuration for a `redis+sentinel://` (or `rediss+sentinel://`, TLS) URL, `nil` for any other scheme:
    /// `redis+sentinel://[user:password@]host[:port],host[:port],.../<master-name>[/db]`.
    ///
    /// The hosts are the sentinels (port 26379 when left out); the credentials and the database are for
    /// the data nodes. `host`/`port` hold the first sentinel until the client has resolved the master.
    static func sentinel(url: String) throws(RedisError) -> RedisConfiguration? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis+sentinel" || scheme == "rediss+sentinel" else { return nil }
        func invalid(_ reason: String) -> RedisError {
            RedisError(.invalidConfiguration, message: "invalid Redis URL '\(Self.redact(url))': \(reason)"
                + " (expected \(scheme)://[user:password@]host:port,host:port,.../master-name[/db])")
        }
        let rest = url[schemeEnd.upperBound...]
        if rest.contains("?") || rest.contains("#") { throw invalid("query and fragment are not supported") }
        guard let slash = rest.firstIndex(of: "/") else { throw invalid("missing /master-name") }
        var hosts = rest[..<slash]
        let path = rest[rest.index(after: slash)...].split(separator: "/", omittingEmptySubsequences: false)

        var username: String?
        var password: String?
        if let at = hosts.lastIndex(of: "@") {
            let userinfo = hosts[..<at]
            hosts = hosts[hosts.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":"),
                let user = Self.percentDecode(userinfo[..<colon]),
                let pass = Self.percentDecode(userinfo[userinfo.index(after: colon)...])
            else { throw invalid("credentials must be ':password' or 'user:password', percent-encoded") }
            username = user.isEmpty ? nil : user
            password = pass.isEmpty ? nil : pass
            if username != nil, password == nil { throw invalid("user name given without password") }
        }

        var sentinels: [RedisSentinelConfiguration.Address] = []
        for entry in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            guard let address = Self.sentinelAddress(entry) else {
                throw invalid("'\(entry)' is not a sentinel host[:port] (port 1 to 65535)")
            }
            sentinels.append(address)
        }

        guard path.count <= 2, let name = path.first.flatMap({ Self.percentDecode($0) }), !name.isEmpty else {
            throw invalid("missing master name")
        }
        var database = 0
        if path.count == 2 {
            guard let db = Int(path[1]), db >= 0 else { throw invalid("database must be a non-negative integer") }
            database = db
        }

        var configuration = RedisConfiguration(host: sentinels[0].host, port: sentinels[0].port, password: password, database: database)
        configuration.username = username
        configuration.sentinel = RedisSentinelConfiguration(sentinels: sentinels, masterName: name)
        if scheme == "rediss+sentinel" {
            // System trust roots until the caller applies its own settings (for sentinels and data nodes alike).
            try configuration.setTLS(RedisTLS())
        }
        return configuration
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; `nil` when malformed.
    private static func sentinelAddress(_ text: Substring) -> RedisSentinelConfiguration.Address? {
        var host = text
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                port = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { return nil }
        guard let port else { return .init(host: String(host), port: RedisSentinelConfiguration.defaultPort) }
        guard let number = Int(port), (1...65535).contains(number) else { return nil }
        return .init(host: String(host), port: number)
    }
}
