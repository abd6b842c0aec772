import SmallyConfiguration
import Testing

struct TracingSettingsTests {
    static func read(_ environment: [String: String]) throws(ConfigurationError) -> TracingSettings {
        var reader = EnvironmentReader(environment)
        return try TracingSettings(reading: &reader)
    }

    @Test func offByDefault() throws {
        let settings = try Self.read([:])
        #expect(settings.endpoint == nil)
        #expect(settings.serviceName == "smally")
    }

    @Test func baseEndpointGetsTheTracesPath() throws {
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]).endpoint
            == .init(host: "collector", port: 4318, path: "/v1/traces"))
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/otlp/"]).endpoint?.path == "/otlp/v1/traces")
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector"]).endpoint?.port == 80)
    }

    @Test func signalEndpointIsTakenAsGivenAndWins() throws {
        let settings = try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:1",
                                      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://[::1]:4318/custom",
                                      "OTEL_SERVICE_NAME": "embed-eu"])
        #expect(settings.endpoint == .init(host: "::1", port: 4318, path: "/custom"))
        #expect(settings.serviceName == "embed-eu")
    }

    @Test(arguments: [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:port"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:70000/v1/traces"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http:///v1/traces"),
    ])
    func malformedEndpointsStopTheStartNamingTheVariable(name: String, value: String) {
        #expect {
            _ = try Self.read([name: value])
        } throws: { error in
            (error as? ConfigurationError)?.variable == name
        }
    }
}
