import Hummingbird
import Logging
import NIOCore
import SmallyAccounts

/// Per-request state: the request id that every response echoes in `x-request-id`, and the
/// caller's meter once a key is authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    /// The authenticated request's meter (set by `APIKeyMiddleware`; nil when accounts are off or
    /// on open routes), which the routes pass to the embedding service.
    public var meter: RequestMeter?
    /// The console session of a console page (set by `ConsoleSessionMiddleware`).
    public var console: ConsoleSignedIn?
    /// That session's id (the cookie's value), for sign-out.
    var consoleSessionID: String?
    /// The connection the request came on (its channel's identity; see `ConnectionWatches`).
    public var connection: ObjectIdentifier { ObjectIdentifier(channel) }
    let channel: any Channel

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The peer's IP address (the proxy's, behind one), read only where it is needed: failed
    /// credentials are counted and throttled per address.
    public var clientAddress: String {
        channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies are read by the routes themselves with their own documented limits.
    public var maxUploadSize: Int { 16 << 20 }
}
