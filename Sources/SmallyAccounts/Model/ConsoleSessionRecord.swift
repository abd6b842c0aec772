import Foundation

/// A signed-in console session as the store keeps it: never the session id itself, only its
/// SHA-256, so a copy of the table signs nobody in.
public struct ConsoleSessionRecord: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the session id (the cookie's value).
    public var idHash: String
    /// The organization of the admin key that signed in; nil for the operator (`ADMIN_TOKEN`).
    public var organizationID: String?
    /// The admin key that signed in; nil for the operator.
    public var keyID: String?
    /// The token every form of this session carries (compared in constant time).
    public var csrfToken: String
    public var createdAt: Date
    /// Moved forward as the session is used (at most once a minute); idle expiry counts from it.
    public var lastSeenAt: Date
    /// The absolute end, whatever the activity.
    public var expiresAt: Date

    public init(idHash: String, organizationID: String?, keyID: String?, csrfToken: String, createdAt: Date, lastSeenAt: Date,
                expiresAt: Date) {
        self.idHash = idHash
        self.organizationID = organizationID
        self.keyID = keyID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }

    public var isOperator: Bool { organizationID == nil }
}
