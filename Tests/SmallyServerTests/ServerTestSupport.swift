import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import SmallyCore
import SmallyEngine
@testable import SmallyServer
import SmallyTestSupport

/// Builds the real application (real engine, real batcher, real caches) for tests.
enum ServerTestSupport {
    static func engine() throws -> InferenceEngine { try SharedEngine.get() }

    typealias SetupError = SharedEngine.SetupError

    static var logger: Logger {
        var logger = Logger(label: "smally-test")
        logger.logLevel = .warning
        return logger
    }

    /// A configuration for tests: no Redis unless asked, limits as given.
    static func configuration(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.port = 0
        adjust(&configuration)
        return configuration
    }

    static func app(_ configuration: ServerConfiguration = configuration(), metrics: ServerMetrics? = nil) throws -> some ApplicationProtocol {
        try buildApplication(configuration: configuration, engine: try engine(),
                             metrics: metrics ?? ServerMetrics(registry: PrometheusCollectorRegistry()), logger: logger)
    }

    /// The application serving several models (each an engine on the same lanes).
    static func app(_ configuration: ServerConfiguration = configuration(), catalog: ModelCatalog) throws -> some ApplicationProtocol {
        try buildApplication(configuration: configuration, catalog: catalog,
                             metrics: ServerMetrics(registry: PrometheusCollectorRegistry()), logger: logger)
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String,
                     headers: HTTPFields = jsonHeaders) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any] else {
            throw SetupError(description: "response is not a JSON object: \(String(buffer: response.body).prefix(200))")
        }
        return object
    }

    static func floats(_ value: Any?) -> [Float] {
        (value as? [NSNumber] ?? []).map { $0.floatValue }
    }

    /// `error.code` of a JSON error body, checking the documented shape on the way.
    static func errorCode(_ response: TestResponse) throws -> String? {
        let object = try object(response)
        guard let error = object["error"] as? [String: Any], error["message"] is String, error["type"] is String,
              error.keys.contains("param"), error.keys.contains("code") else {
            throw SetupError(description: "not the documented error shape: \(object)")
        }
        return error["code"] as? String
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
