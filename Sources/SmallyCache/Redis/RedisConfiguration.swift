import NIOSSL

/// Where and how to reach Redis.
///
/// Parsed from `redis://[[user]:password@]host[:port][/db]` (`rediss://` for TLS, see `RedisTLS`). Hand-parsed (no Foundation) so the module
/// stays light; the password is percent-decoded and never appears in error messages.
public struct RedisConfiguration: Sendable {
    public var host: String
    /// Default 6379.
    public var port: Int
    /// ACL user name (`redis://user:pass@host`); `nil` authenticates as the default user.
    public var username: String?
    /// Sent with `AUTH` on every new connection when set.
    public var password: String?
    /// Selected with `SELECT` on every new connection when not 0. Default 0.
    public var database: Int
    /// Connections kept open. Commands are spread over them round-robin. Default 4.
    public var poolSize: Int = 4
    /// Limit for TCP connect, and separately for the AUTH/SELECT handshake. Default 250 ms.
    public var connectTimeout: Duration = .milliseconds(250)
    /// Limit for the replies of one `send` or `pipeline`. A cache must answer fast or not at all. Default 100 ms.
    public var commandTimeout: Duration = .milliseconds(100)
    /// First delay before reconnecting; doubles (with jitter) up to `maxReconnectBackoff`. Default 50 ms.
    public var minReconnectBackoff: Duration = .milliseconds(50)
    /// Longest delay between reconnect attempts while Redis is down. Default 1 s.
    public var maxReconnectBackoff: Duration = .seconds(1)
    /// TLS settings when connections use TLS (`rediss://`), else `nil`. Set with `setTLS`.
    public private(set) var tls: RedisTLS?
    /// Built from `tls` by `setTLS`, shared by every connection.
    private(set) var sslContext: NIOSSLContext?
    /// Set for `redis+sentinel://`: the master is found through these sentinels (`host`/`port` then unused).
    public var sentinel: RedisSentinelConfiguration?

    /// Turns TLS on with `tls` (or off with `nil`), loading its files now.
    /// - Throws: `RedisError` `.invalidConfiguration` naming an unreadable file.
    public mutating func setTLS(_ tls: RedisTLS?) throws(RedisError) {
        self.sslContext = try tls?.makeContext()
        self.tls = tls
    }

    public init(host: String, port: Int = 6379, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL. Throws `RedisError` with code `.invalidConfiguration` and a message
    /// naming the problem (with any password redacted).
    public init(url: String) throws {
        if let sentinel = try Self.sentinel(url: url) {
            self = sentinel
            return
        }
        func invalid(_ reason: String) -> RedisError {
            RedisError(.invalidConfiguration, message: "invalid Redis URL '\(Self.redact(url))': \(reason)")
        }

        guard let schemeEnd = url.range(of: "://") else {
            throw invalid("expected redis[s]://[:password@]host[:port][/db]")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" || scheme == "rediss" else {
            throw invalid("scheme must be redis:// or rediss:// (TLS)")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        if rest.contains("?") || rest.contains("#") {
            throw invalid("query and fragment are not supported")
        }

        // Split off "/db".
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }

        // Split off "user:password@".
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                throw invalid("credentials must be ':password' or 'user:password'")
            }
            let user = userinfo[..<colon]
            let pass = userinfo[userinfo.index(after: colon)...]
            guard let decodedUser = Self.percentDecode(user), let decodedPass = Self.percentDecode(pass) else {
                throw invalid("bad percent-encoding in credentials")
            }
            username = decodedUser.isEmpty ? nil : decodedUser
            password = decodedPass.isEmpty ? nil : decodedPass
            if username != nil, password == nil { throw invalid("user name given without password") }
        }

        // "host", "host:port", "[v6]", "[v6]:port".
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unterminated '[' in IPv6 host") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw invalid("missing host") }

        var port = 6379
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw invalid("port must be a number from 1 to 65535")
            }
            port = p
        }

        var database = 0
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw invalid("database must be a non-negative integer") }
            database = db
        }

        self.init(host: String(host), port: port, password: password, database: database)
        self.username = username
        if scheme == "rediss" {
            // System trust roots until the caller applies its own settings.
            try self.setTLS(RedisTLS())
        }
    }

    /// The URL with the password replaced by `***`, for messages.
    static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"),
            let at = url[schemeEnd.upperBound...].lastIndex(of: "@")
        else { return url }
        let userinfo = url[schemeEnd.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<userinfo.index(after: colon)]) + "***" + String(url[at...])
    }

    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let h = iterator.next(), let l = iterator.next(),
                    let hi = hexValue(h), let lo = hexValue(l)
                else { return nil }
                bytes.append(hi << 4 | lo)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
