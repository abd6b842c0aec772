@testable import SmallyServer
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
        for (name, value) in [("SMALLY_LANES", "0"), ("SMALLY_LANES", "two"), ("SMALLY_MAX_QUEUE", "-1"), ("L1_JSON_CACHE_SIZE", "-5")] {
            do {
                _ = try ServerConfiguration(environment: [name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch let error as ConfigurationError {
                #expect(error.variable == name)
                #expect(error.description.contains(value))
            }
        }
    }
}
