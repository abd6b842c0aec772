import Testing

@testable import SmallyCache

@Suite("redis configuration") struct RedisConfigurationTests {
    @Test("full URL") func fullURL() throws {
        let config = try RedisConfiguration(url: "redis://:s3cr%40t@cache.internal:6380/2")
        #expect(config.host == "cache.internal")
        #expect(config.port == 6380)
        #expect(config.password == "s3cr@t")
        #expect(config.username == nil)
        #expect(config.database == 2)
    }

    @Test("defaults") func defaults() throws {
        let config = try RedisConfiguration(url: "redis://localhost")
        #expect(config.host == "localhost")
        #expect(config.port == 6379)
        #expect(config.password == nil)
        #expect(config.database == 0)
        #expect(config.poolSize == 4)
        #expect(config.connectTimeout == .milliseconds(250))
        #expect(config.commandTimeout == .milliseconds(100))
        #expect(try RedisConfiguration(url: "REDIS://h:1/").database == 0)
    }

    @Test("user and i pv 6") func userAndIPv6() throws {
        let config = try RedisConfiguration(url: "redis://app:pw@[::1]:7000/0")
        #expect(config.host == "::1")
        #expect(config.port == 7000)
        #expect(config.username == "app")
        #expect(config.password == "pw")
        #expect(try RedisConfiguration(url: "redis://[::1]").port == 6379)
    }

    @Test("rediss turns TLS on with the system roots") func redissTurnsTLSOn() throws {
        let config = try RedisConfiguration(url: "rediss://:pw@cache.example:6380/2")
        #expect(config.tls == RedisTLS())
        #expect(config.sslContext != nil)
        #expect(config.port == 6380 && config.database == 2)
        #expect(try RedisConfiguration(url: "redis://cache.example").tls == nil)
    }

    @Test("unreadable TLS files are named") func unreadableTLSFiles() throws {
        var config = RedisConfiguration(host: "127.0.0.1")
        #expect(throws: RedisError.self) { try config.setTLS(RedisTLS(caFile: "/nonexistent/ca.pem")) }
        do {
            try config.setTLS(RedisTLS(caFile: "/nonexistent/ca.pem"))
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message?.contains("/nonexistent/ca.pem") == true)
        }
        do {
            try config.setTLS(RedisTLS(certificateFile: "/nonexistent/cert.pem"))
            Issue.record("a certificate without a key was accepted")
        } catch {
            #expect(error.message?.contains("key file") == true)
        }
        #expect(config.tls == nil)
    }

    static let bad: [(String, String)] = [
        ("localhost:6379", "expected redis[s]://"),
        ("http://localhost", "scheme must be redis://"),
        ("redis://", "missing host"),
        ("redis://:pw@", "missing host"),
        ("redis://host:0", "port"),
        ("redis://host:70000", "port"),
        ("redis://host:abc", "port"),
        ("redis://host/x", "database"),
        ("redis://host/-1", "database"),
        ("redis://host?db=1", "query"),
        ("redis://pw@host", "credentials"),
        ("redis://[::1", "IPv6"),
        ("redis://:p%zz@host", "percent"),
    ]

    @Test("bad UR ls give clear errors", arguments: bad)
    func badURLsGiveClearErrors(url: String, reason: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            guard let error = error as? RedisError, error.code == .invalidConfiguration else { return false }
            return error.description.contains(reason)
        }
    }

    @Test("password never in error messages") func passwordNeverInErrorMessages() {
        do {
            _ = try RedisConfiguration(url: "redis://:hunter2@host:99999")
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
            #expect("\(error)".contains("redis://:***@host:99999"))
        }
    }
}
