import NIOCore
import Testing

@testable import SmallyCache

/// `redis+sentinel://` URLs and the sentinel replies the client reads: pure code, no servers.
@Suite struct SentinelParsingTests {
    typealias Address = RedisSentinelConfiguration.Address

    @Test("sentinel URL: sentinels, master name, data-node credentials and database") func fullURL() throws {
        let config = try RedisConfiguration(url: "redis+sentinel://app:p%40ss@s1.internal:26380,10.0.0.2,[::1]:5000/my%20master/3")
        let sentinel = try #require(config.sentinel)
        #expect(sentinel.sentinels == [Address(host: "s1.internal", port: 26380), Address(host: "10.0.0.2", port: 26379),
                                       Address(host: "::1", port: 5000)])
        #expect(sentinel.masterName == "my master")
        #expect(sentinel.password == nil)
        #expect(config.username == "app" && config.password == "p@ss")
        #expect(config.database == 3)
        #expect(config.tls == nil)
        #expect(Address(host: "::1", port: 5000).description == "[::1]:5000")
    }

    @Test("rediss+sentinel turns TLS on; a plain redis URL has no sentinel") func tlsAndPlain() throws {
        let tls = try RedisConfiguration(url: "rediss+sentinel://:pw@h:26379/mymaster")
        #expect(tls.tls == RedisTLS() && tls.sslContext != nil)
        #expect(tls.sentinel?.masterName == "mymaster" && tls.database == 0 && tls.password == "pw" && tls.username == nil)
        #expect(try RedisConfiguration(url: "redis://h:6379").sentinel == nil)
    }

    @Test("malformed sentinel URLs are refused with the password redacted", arguments: [
        "redis+sentinel://h:26379",  // no master name
        "redis+sentinel://h:26379/",
        "redis+sentinel://h:26379/m/x",  // bad database
        "redis+sentinel://h:26379/m/1/2",
        "redis+sentinel://h:0/m",
        "redis+sentinel://h:99999/m",
        "redis+sentinel://h1,,h2/m",  // empty host
        "redis+sentinel:///m",
        "redis+sentinel://[::1/m",
        "redis+sentinel://user:@h/m",  // user without password
        "redis+sentinel://:secret@h/m?x=1",
    ]) func malformed(url: String) {
        #expect {
            try RedisConfiguration(url: url)
        } throws: { error in
            let error = error as? RedisError
            return error?.code == .invalidConfiguration && error?.message?.contains("secret") == false
        }
    }

    @Test("get-master-addr-by-name replies") func masterAddress() throws {
        #expect(try SentinelReplies.masterAddress(.array([.bulkString("10.0.0.5"), .bulkString("6380")]))
            == .address(Address(host: "10.0.0.5", port: 6380)))
        #expect(try SentinelReplies.masterAddress(.array(nil)) == .unknownName)
        #expect(try SentinelReplies.masterAddress(.bulkString(nil)) == .unknownName)
        #expect(throws: RedisError.self) { try SentinelReplies.masterAddress(.error("ERR unknown command")) }
        #expect(throws: RedisError.self) { try SentinelReplies.masterAddress(.array([.bulkString("h")])) }
        #expect(throws: RedisError.self) { try SentinelReplies.masterAddress(.array([.bulkString("h"), .bulkString("port")])) }
        #expect(throws: RedisError.self) { try SentinelReplies.masterAddress(.array([.bulkString(""), .bulkString("1")])) }
    }

    @Test("ROLE replies") func role() throws {
        let master = RESPValue.array([.bulkString("master"), .integer(3129659), .array([])])
        let replica = RESPValue.array([.bulkString("slave"), .bulkString("127.0.0.1"), .integer(9753), .bulkString("connected"), .integer(3167038)])
        #expect(try SentinelReplies.role(master) == "master")
        #expect(try SentinelReplies.role(replica) == "slave")
        #expect(throws: RedisError.self) { try SentinelReplies.role(.error("NOAUTH Authentication required.")) }
        #expect(throws: RedisError.self) { try SentinelReplies.role(.simpleString("OK")) }
    }

    @Test("+switch-master pushes; other pushes are ignored") func switchMaster() {
        let push = RESPValue.array([.bulkString("message"), .bulkString("+switch-master"),
                                    .bulkString("mymaster 127.0.0.1 6430 127.0.0.1 6431")])
        #expect(SentinelReplies.switchMaster(push) == SentinelReplies.Switch(
            masterName: "mymaster", old: Address(host: "127.0.0.1", port: 6430), new: Address(host: "127.0.0.1", port: 6431)))
        let ignored: [RESPValue] = [
            .array([.bulkString("subscribe"), .bulkString("+switch-master"), .integer(1)]),
            .array([.bulkString("pong"), .bulkString("")]),
            .array([.bulkString("message"), .bulkString("+sdown"), .bulkString("master mymaster 127.0.0.1 6430")]),
            .array([.bulkString("message"), .bulkString("+switch-master"), .bulkString("mymaster 127.0.0.1 6430 127.0.0.1")]),
            .array([.bulkString("message"), .bulkString("+switch-master"), .bulkString("m h 1 h port")]),
            .simpleString("PONG"),
        ]
        for push in ignored { #expect(SentinelReplies.switchMaster(push) == nil) }
    }
}
