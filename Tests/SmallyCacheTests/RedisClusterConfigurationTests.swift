import Testing

@testable import SmallyCache

struct RedisClusterConfigurationTests {
    @Test("seed list with credentials") func seedList() throws {
        let configuration = try RedisClusterConfiguration(url: "redis+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002/")
        #expect(configuration.seeds == [RedisNodeAddress(host: "10.0.0.1", port: 7000), RedisNodeAddress(host: "10.0.0.2", port: 6379),
                                        RedisNodeAddress(host: "::1", port: 7002)])
        #expect(configuration.node.username == "app")
        #expect(configuration.node.password == "p@ss")
        #expect(configuration.node.tls == nil)
        #expect(try RedisClusterConfiguration(url: "redis+cluster://h:1").seeds == [RedisNodeAddress(host: "h", port: 1)])
        #expect(try RedisClusterConfiguration(url: "REDIS+CLUSTER://h:1/0").node.database == 0)
    }

    @Test("TLS scheme") func tls() throws {
        let configuration = try RedisClusterConfiguration(url: "rediss+cluster://h1:7000,h2:7001/")
        #expect(configuration.node.tls == RedisTLS())
        #expect(RedisClusterConfiguration.isClusterURL("rediss+cluster://h:1"))
        #expect(!RedisClusterConfiguration.isClusterURL("redis://h:1"))
    }

    @Test("malformed URLs name the problem, never the password", arguments: [
        ("redis+cluster://:secret@h:1/3", "only database 0"),
        ("redis+cluster://:secret@h:1,,h:2", "comma-separated"),
        ("redis+cluster://:secret@/", "comma-separated"),
        ("redis+cluster://:secret@h:99999", "seed 'h:99999'"),
        ("redis+sentinel://:secret@h:1", "scheme"),
        ("h:1,h:2", "expected redis+cluster://"),
    ])
    func malformed(url: String, fragment: String) {
        do {
            _ = try RedisClusterConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect("\(error)".contains(fragment), "\(error)")
            #expect(!"\(error)".contains("secret"), "\(error)")
        }
    }
}
