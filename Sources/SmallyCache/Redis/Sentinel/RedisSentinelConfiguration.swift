/// Where to find the Redis master through Sentinel: the sentinels to ask and the name of the master.
///
/// From `redis+sentinel://[user:password@]host:port,host:port,.../<master-name>[/db]` (see
/// `RedisConfiguration.init(url:)`): the hosts are the sentinels, the credentials and database are
/// for the data nodes. Sentinels that need their own password get `password` (`REDIS_SENTINEL_PASSWORD`).
public struct RedisSentinelConfiguration: Sendable, Equatable {
    /// A `host:port` of a sentinel or of a data node.
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, `[v6]:port` for an IPv6 literal: the `node` label of the metrics.
        public var description: String {
            self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
        }
    }

    /// Asked in turn; the one that answered last is asked first next time.
    public var sentinels: [Address]
    /// The name the sentinels monitor the master under (`sentinel monitor <name> ...`).
    public var masterName: String
    /// `AUTH` on sentinel connections (`requirepass` of the sentinels), `nil` for none.
    public var password: String?

    /// Sentinels listen on 26379 unless told otherwise.
    public static let defaultPort = 26379

    public init(sentinels: [Address], masterName: String, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.password = password
    }
}
