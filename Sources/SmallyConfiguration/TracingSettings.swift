import Foundation

/// OpenTelemetry tracing, read from the standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
/// (the full URL spans are POSTed to) or `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL, to which
/// `v1/traces` is added), and `OTEL_SERVICE_NAME`. Neither endpoint set: tracing is off.
public struct TracingSettings: Sendable, Hashable {
    /// An OTLP/HTTP endpoint. Plain `http://` only: our exporter speaks no TLS (a collector on the
    /// host or a sidecar forwards to the backend).
    public struct Endpoint: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var path: String

        public init(host: String, port: Int, path: String) {
            self.host = host
            self.port = port
            self.path = path
        }

        public var url: String { "http://\(host):\(port)\(path)" }
    }

    /// Where spans go; nil: tracing off (the default).
    public var endpoint: Endpoint?
    /// `OTEL_SERVICE_NAME`, default `smally`.
    public var serviceName = "smally"

    public init() {}

    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        let signal = reader.text("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        let base = reader.text("OTEL_EXPORTER_OTLP_ENDPOINT")
        serviceName = reader.string("OTEL_SERVICE_NAME", default: serviceName)
        if let signal {
            endpoint = try Self.parse(signal, variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", appending: nil)
        } else if let base {
            endpoint = try Self.parse(base, variable: "OTEL_EXPORTER_OTLP_ENDPOINT", appending: "v1/traces")
        }
    }

    /// `http://host[:port][/path]`; the port defaults to 80 (the URL's scheme), as the OTLP
    /// specification reads these variables.
    static func parse(_ text: String, variable: String, appending suffix: String?) throws(ConfigurationError) -> Endpoint {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let scheme = "http://"
        guard trimmed.lowercased().hasPrefix(scheme) else {
            throw ConfigurationError(variable: variable, message: trimmed.lowercased().hasPrefix("https://")
                ? "must be an http:// URL (the OTLP exporter speaks no TLS: send to a local collector), got '\(trimmed.prefix(80))'"
                : "must be an http://host[:port][/path] URL, got '\(trimmed.prefix(80))'")
        }
        let rest = trimmed.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        var host = Substring(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                throw ConfigurationError(variable: variable, message: "has no valid port (1 to 65535) in '\(trimmed.prefix(80))'")
            }
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains(where: { $0 == "@" || $0 == "?" || $0 == "#" || $0 == " " }),
              !path.contains(where: { $0 == "?" || $0 == "#" || $0 == " " }) else {
            throw ConfigurationError(variable: variable, message: "must be an http://host[:port][/path] URL, got '\(trimmed.prefix(80))'")
        }
        if let suffix {
            path += path.hasSuffix("/") ? suffix : "/" + suffix
        } else if path.isEmpty {
            path = "/"
        }
        return Endpoint(host: String(host), port: port, path: path)
    }
}
