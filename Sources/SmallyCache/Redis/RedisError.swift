/// Any failure of the Redis client.
///
/// `code` is a struct over a private enum (the PSQLError pattern), so codes can be added later
/// without breaking `switch`es in callers. Callers compare with `==`: `error.code == .timeout`.
/// Messages never contain the password or cached values.
public struct RedisError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case connectionClosed
            case timeout
            case serverError
            case protocolError
            case notConnected
            case invalidConfiguration
            case connectFailed
            case unexpectedReply
            case alreadyRunning
        }

        let base: Base

        /// The connection closed (or failed) before the reply arrived.
        public static let connectionClosed = Code(base: .connectionClosed)
        /// No reply within the command timeout; the connection it was sent on has been closed.
        public static let timeout = Code(base: .timeout)
        /// Redis answered with an error reply (`-ERR ...`); `message` holds its text.
        public static let serverError = Code(base: .serverError)
        /// Redis sent bytes that are not valid RESP2, or exceeded a decoder limit.
        public static let protocolError = Code(base: .protocolError)
        /// No live connection right now (Redis down, or `run()` not running). Returned at once, never waited for.
        public static let notConnected = Code(base: .notConnected)
        /// Bad configuration, e.g. an unparsable Redis URL.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// Connecting, authenticating or selecting the database failed.
        public static let connectFailed = Code(base: .connectFailed)
        /// A reply of a type the command never returns.
        public static let unexpectedReply = Code(base: .unexpectedReply)
        /// `RedisClient.run()` was called while already running.
        public static let alreadyRunning = Code(base: .alreadyRunning)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// Detail for logs; for `.serverError` the server's error line.
    public var message: String?

    public init(_ code: Code, message: String? = nil) {
        self.code = code
        self.message = message
    }

    public static let connectionClosed = RedisError(.connectionClosed)
    public static let timeout = RedisError(.timeout)
    public static let notConnected = RedisError(.notConnected)

    public static func serverError(_ message: String) -> RedisError {
        RedisError(.serverError, message: message)
    }

    public static func protocolError(_ message: String) -> RedisError {
        RedisError(.protocolError, message: message)
    }

    public var description: String {
        if let message { "RedisError(\(code)): \(message)" } else { "RedisError(\(code))" }
    }
}
