import Foundation

/// What the store keeps of an API key: never the key itself, only its SHA-256 and a short
/// visible prefix that helps people tell their keys apart.
public struct APIKeyRecord: Sendable, Hashable {
    /// `key_` + 24 hex digits. What `keys rotate ID` / `keys revoke ID` take.
    public var id: String
    public var organizationID: String
    public var name: String
    /// The first characters of the key (e.g. `sk_AbC12x`), shown in listings.
    public var prefix: String
    /// Lowercase hex SHA-256 of the whole key. Never logged or returned by any API.
    public var hash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// `embed` (the API only) or `admin` (the console of its organization too).
    public var role: KeyRole

    public init(id: String = Identifiers.make("key"), organizationID: String, name: String, prefix: String, hash: String,
                createdAt: Date = Timestamps.now(), lastUsedAt: Date? = nil, expiresAt: Date? = nil, revokedAt: Date? = nil,
                role: KeyRole = .embed) {
        self.role = role
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public enum Status: String, Sendable, Codable {
        case active
        case expired
        case revoked
    }

    public func status(at now: Date) -> Status {
        if let revokedAt, revokedAt <= now { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    public func isUsable(at now: Date) -> Bool { status(at: now) == .active }
}
