import Hummingbird
import Logging

/// Per-request state: the request id that every response echoes in `x-request-id`.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    /// The connection the request came on (its channel's identity; see `ConnectionWatches`).
    public let connection: ObjectIdentifier

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.connection = ObjectIdentifier(source.channel)
    }

    /// Bodies are read by the routes themselves with their own documented limits.
    public var maxUploadSize: Int { 16 << 20 }
}
