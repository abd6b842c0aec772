/// Failures of the accounts layer that callers act on. Messages are safe to show to an operator
/// (CLI, admin API): they never contain a key, a key hash or database internals.
public struct AccountsError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case notFound
            case alreadyExists
            case invalidArgument
            case storageUnavailable
            case migrationFailed
            case configuration
        }

        let base: Base

        /// No organization or key with that name or id.
        public static let notFound = Code(base: .notFound)
        /// An organization with that name exists already.
        public static let alreadyExists = Code(base: .alreadyExists)
        /// A malformed name, tier, duration or limit.
        public static let invalidArgument = Code(base: .invalidArgument)
        /// The database did not answer (in time).
        public static let storageUnavailable = Code(base: .storageUnavailable)
        /// A schema migration failed; nothing of it was applied.
        public static let migrationFailed = Code(base: .migrationFailed)
        /// Bad `DATABASE_URL` or data directory.
        public static let configuration = Code(base: .configuration)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
