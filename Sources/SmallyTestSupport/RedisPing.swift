/// Whether something on `127.0.0.1:port` answers a RESP `PING` (`PONG`, or `NOAUTH` from a server with a
/// password: it is up), over a socket (``RedisCommandSocket``). The start-up polls of the local Redis servers
/// and sentinels ask this every 20 ms.
public enum RedisPing {
    public static func answers(port: Int, timeoutMilliseconds: Int = 500) -> Bool {
        guard let reply = try? RedisCommandSocket.run(port: port, ["PING"], timeoutMilliseconds: timeoutMilliseconds) else { return false }
        return reply.hasPrefix("PONG") || reply.hasPrefix("NOAUTH")
    }
}
