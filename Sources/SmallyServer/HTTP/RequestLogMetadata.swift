import Logging
import SmallyAccounts

/// Per-request log metadata — `request_id`, and `key_id` / `organization_id` once a key is
/// authenticated — given by a metadata provider, so it is computed only when a line is logged.
/// Setting it on each request's `Logger` instead re-renders the handler's metadata on every set
/// (swift-log's `StreamLogHandler` prettifies all of it each time): ~3 % of the CPU of a cached
/// request with auth on, in perf.
public enum RequestLogMetadata {
    @TaskLocal static var requestID: String?
    /// Set by `APIKeyMiddleware` around the route of an authenticated request.
    @TaskLocal static var principal: Principal?

    /// Install with `LoggingSystem.bootstrap(_:metadataProvider:)`.
    public static let provider = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let requestID { metadata["request_id"] = .string(requestID) }
        if let principal {
            metadata["key_id"] = .string(principal.key.id)
            metadata["organization_id"] = .string(principal.organization.id)
        }
        return metadata
    }
}
