import Logging
import Metrics
import SmallyCache
import SmallyConfiguration

/// The Redis client for `REDIS_URL`: one node (`redis://`, `rediss://`) or a cluster
/// (`redis+cluster://host:port,host:port,.../`, `rediss+cluster://`), with the `REDIS_TLS_*` settings
/// applied to TLS URLs. A malformed value stops the start with a message naming the variable.
func makeRedisExecutor(url: String, tls: RedisTLS, sentinelPassword: String? = nil, metricsFactory: any MetricsFactory,
                       logger: Logger) throws -> any RedisExecutor {
    let isCluster = RedisClusterConfiguration.isClusterURL(url)
    var cluster: RedisClusterConfiguration?
    var node: RedisConfiguration
    do {
        if isCluster {
            let parsed = try RedisClusterConfiguration(url: url)
            cluster = parsed
            node = parsed.node
        } else {
            node = try RedisConfiguration(url: url)
            node.sentinel?.password = sentinelPassword
        }
    } catch {
        throw ConfigurationError(variable: "REDIS_URL",
                                 message: "is not a valid redis://, rediss://, redis+cluster://, rediss+cluster://, redis+sentinel:// or rediss+sentinel:// URL (\(error))")
    }
    if node.tls != nil {
        do {
            try node.setTLS(tls)
        } catch {
            throw ConfigurationError(variable: "REDIS_TLS_CA_FILE", message: "or another REDIS_TLS_* setting is unusable: \(error.message ?? "\(error)")")
        }
    }
    if var cluster {
        cluster.node = node
        return RedisClusterClient(configuration: cluster, logger: logger, metricsFactory: metricsFactory)
    }
    return RedisClient(configuration: node, logger: logger, metricsFactory: metricsFactory)
}
