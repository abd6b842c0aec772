@testable import SmallyServer
import SmallyCache
import SmallyAccounts
import SmallyConfiguration
import Testing

/// Settings read from the environment: defaults, values, and errors that name the variable.
@Suite("server configuration")
struct ServerConfigurationTests {
    @Test("unset or empty variables keep the defaults")
    func defaults() throws {
        let configuration = try ServerConfiguration(environment: ["SMALLY_LANES": "", "PORT": ""])
        #expect(configuration.port == 8000)
        #expect(configuration.inferenceLanes == nil)
        #expect(configuration.maxBatchSize == 64)
        #expect(configuration.renderedCacheSize == 1_000)
        #expect(configuration.auth == .enabled)
    }

    @Test("numbers are read; a malformed one names its variable")
    func values() throws {
        let configuration = try ServerConfiguration(environment: ["SMALLY_LANES": "1", "SMALLY_BATCH_SIZE": "16", "SMALLY_AUTH": "off",
                                                                  "L1_JSON_CACHE_SIZE": "0"])
        #expect(configuration.inferenceLanes == 1)
        #expect(configuration.renderedCacheSize == 0)
        #expect(configuration.maxBatchSize == 16)
        #expect(configuration.auth == .disabled)
        // Engine, log and accounts settings follow the same policy (they used to be ignored when malformed).
        for (name, value) in [("SMALLY_LANES", "0"), ("SMALLY_LANES", "two"), ("SMALLY_MAX_QUEUE", "-1"), ("L1_JSON_CACHE_SIZE", "-5"),
                              ("SMALLY_THREADS", "abc"), ("SMALLY_THREADS", "0"), ("SMALLY_SPLIT_MIN_TEXTS", "-1"),
                              ("SMALLY_EXECUTOR", "threads"), ("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"),
                              ("DATABASE_MAX_CONNECTIONS", "0"), ("TIER_PRO_REQUESTS_PER_MINUTE", "many"), ("QUOTA_FALLBACK", "divided:0")] {
            do {
                _ = try ServerConfiguration(environment: [name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect(error.variable == name)
                #expect(error.description.contains(value))
            }
        }
    }

    @Test("Redis TLS and quota counters: values, and refusals that name the variable")
    func redisAndQuotaCounterSettings() throws {
        let tls = try ServerConfiguration(environment: ["REDIS_URL": "rediss://cache:6380", "REDIS_TLS_CA_FILE": "/etc/ca.pem",
                                                        "REDIS_TLS_INSECURE": "true", "QUOTA_COUNTERS": "database"])
        #expect(tls.redisTLS == RedisTLS(caFile: "/etc/ca.pem", insecure: true))
        #expect(tls.quotaCounters == .database)
        #expect(try ServerConfiguration(environment: [:]).quotaCounters == .auto)
        // TLS settings with a plain redis:// URL would do nothing: refused.
        #expect {
            _ = try ServerConfiguration(environment: ["REDIS_URL": "redis://cache", "REDIS_TLS_CA_FILE": "/etc/ca.pem"])
        } throws: { error in
            "\(error)".contains("REDIS_URL") && "\(error)".contains("rediss://")
        }
        for (name, value) in [("REDIS_TLS_INSECURE", "maybe"), ("QUOTA_COUNTERS", "memcached")] {
            #expect {
                _ = try ServerConfiguration(environment: ["REDIS_URL": "rediss://cache", name: value])
            } throws: { error in
                "\(error)".contains(name) && "\(error)".contains(value)
            }
        }
    }

    @Test("SMALLY_MODELS lists NAME=DIR or DIR entries in order; a malformed entry stops the start naming it")
    func models() throws {
        let single = try ServerConfiguration(environment: ["SMALLY_MODEL_DIR": "models/x"])
        #expect(single.engine.sources == [ModelSource(directory: "models/x")])
        let several = try ServerConfiguration(environment: ["SMALLY_MODELS": "mini=models/a, rerank=models/b ,models/c"])
        #expect(several.engine.sources == [ModelSource(name: "mini", directory: "models/a"), ModelSource(name: "rerank", directory: "models/b"),
                                           ModelSource(directory: "models/c")])
        for (value, fragment) in [("a=", "without a folder"), ("a b=x", "not a model name"), ("x,,y", "an empty entry"),
                                  ("\(String(repeating: "n", count: 101))=x", "not a model name")] {
            #expect {
                _ = try ServerConfiguration(environment: ["SMALLY_MODELS": value])
            } throws: { error in
                "\(error)".contains("SMALLY_MODELS") && "\(error)".contains(fragment)
            }
        }
    }

    @Test("SMALLY_PRECISION (fp32 by default) and per-model DIR@int8; an unknown precision names the variable")
    func precision() throws {
        #expect(try ServerConfiguration(environment: [:]).engine.precision == "fp32")
        #expect(try ServerConfiguration(environment: ["SMALLY_PRECISION": "int8"]).engine.precision == "int8")
        let mixed = try ServerConfiguration(environment: ["SMALLY_MODELS": "mini=models/a@int8,models/a,models/b@fp32"])
        #expect(mixed.engine.sources == [ModelSource(name: "mini", directory: "models/a", precision: "int8"),
                                         ModelSource(directory: "models/a"), ModelSource(directory: "models/b", precision: "fp32")])
        for (name, value, fragment) in [("SMALLY_PRECISION", "int4", "int4"), ("SMALLY_MODELS", "models/a@int4", "precision 'int4'")] {
            #expect {
                _ = try ServerConfiguration(environment: [name: value])
            } throws: { error in
                "\(error)".contains(name) && "\(error)".contains(fragment)
            }
        }
    }

    @Test("security settings: defaults, values, and refusals that name the variable")
    func securitySettings() throws {
        let defaults = try ServerConfiguration(environment: [:])
        #expect(defaults.idleTimeoutSeconds == 90 && defaults.maxConnections == 4_096)
        #expect(defaults.authFailuresPerMinute == 30 && defaults.cacheScope == .organization)
        #expect(defaults.adminPort == nil && defaults.adminToken == nil)

        let token = String(repeating: "a1", count: 16)
        let set = try ServerConfiguration(environment: [
            "ADMIN_TOKEN": token, "ADMIN_PORT": "9001", "ADMIN_HOST": "0.0.0.0", "IDLE_TIMEOUT": "5", "MAX_CONNECTIONS": "10",
            "AUTH_FAILURES_PER_MINUTE": "0", "CACHE_SCOPE": "shared",
        ])
        #expect(set.adminToken == token && set.adminPort == 9001 && set.adminHost == "0.0.0.0")
        #expect(set.idleTimeoutSeconds == 5 && set.maxConnections == 10 && set.authFailuresPerMinute == 0 && set.cacheScope == .shared)

        let refused: [(String, String)] = [
            ("ADMIN_TOKEN", "short-token"), ("ADMIN_TOKEN", String(repeating: "x", count: 31)),
            ("ADMIN_PORT", "0"), ("ADMIN_PORT", "70000"), ("PORT", "65536"), ("IDLE_TIMEOUT", "0"),
            ("IDLE_TIMEOUT", "999999999999999"), ("MAX_CONNECTIONS", "0"), ("AUTH_FAILURES_PER_MINUTE", "-1"),
            ("CACHE_SCOPE", "everyone"), ("L2_CACHE_TTL", "99999999999"), ("ADMIN_PORT", "9001"),
        ]
        for (name, value) in refused {
            do {
                _ = try ServerConfiguration(environment: [name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect(error.variable == name)
                // The admin token itself is never repeated in the message.
                #expect(name == "ADMIN_TOKEN" ? !error.description.contains(value) : error.description.contains(value))
            }
        }
    }
}
