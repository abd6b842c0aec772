import Foundation

/// Console sign-in, sessions and sign-out, kept in the account store so that every node honours
/// a session and a restart keeps it.
///
/// A session id is 32 random bytes (URL-safe base64); the store keeps only its SHA-256. Each
/// request re-checks the session's idle and absolute expiry and, for a key's session, that the key
/// is still usable and still `admin` (revoking the key ends its sessions at once). Sign-in always
/// makes a new id (no session fixation); sign-out deletes the row, so every node refuses it.
public struct ConsoleSessions: Sendable {
    public let store: any AccountStore
    public let format: APIKeyFormat
    public let settings: ConsoleSessionSettings
    public var now: @Sendable () -> Date

    public init(store: any AccountStore, format: APIKeyFormat, settings: ConsoleSessionSettings = ConsoleSessionSettings(),
                now: @escaping @Sendable () -> Date = { Timestamps.now() }) {
        self.store = store
        self.format = format
        self.settings = settings
        self.now = now
    }

    /// Why a key was not let in (for logs and metrics; the page says only "not accepted").
    public enum Refusal: String, Sendable {
        case malformed, unknown, unusable, notAdmin = "not_admin"
    }

    /// A new session for the admin key `presented`, or why not. The key is hashed at once and
    /// never kept.
    public func signIn(key presented: String) async throws -> Result<(id: String, signedIn: ConsoleSignedIn), RefusalError> {
        let trimmed = presented.trimmingCharacters(in: .whitespacesAndNewlines)
        guard format.isWellFormed(Substring(trimmed)) else { return .failure(RefusalError(.malformed)) }
        guard let found = try await store.credential(hash: APIKeyFormat.hash(trimmed)) else {
            return .failure(RefusalError(.unknown))
        }
        let (key, organization) = found
        guard key.isUsable(at: now()) else { return .failure(RefusalError(.unusable)) }
        guard key.role == .admin else { return .failure(RefusalError(.notAdmin)) }
        let (id, record) = try await create(organizationID: organization.id, keyID: key.id)
        return .success((id, ConsoleSignedIn(session: record, organization: organization, key: key)))
    }

    public struct RefusalError: Error, Sendable {
        public var reason: Refusal
        init(_ reason: Refusal) { self.reason = reason }
    }

    /// A new operator session (the caller has checked `ADMIN_TOKEN`).
    public func signInOperator() async throws -> (id: String, signedIn: ConsoleSignedIn) {
        let (id, record) = try await create(organizationID: nil, keyID: nil)
        return (id, ConsoleSignedIn(session: record, organization: nil, key: nil))
    }

    private func create(organizationID: String?, keyID: String?) async throws -> (String, ConsoleSessionRecord) {
        let id = Self.randomToken()
        let start = Timestamps.truncate(now())
        let record = ConsoleSessionRecord(idHash: APIKeyFormat.hash(id), organizationID: organizationID, keyID: keyID,
                                          csrfToken: Self.randomToken(), createdAt: start, lastSeenAt: start,
                                          expiresAt: Timestamps.truncate(start.addingTimeInterval(settings.lifetime)))
        try await store.insertSession(record)
        // Sessions past their absolute end are dead weight: each sign-in sweeps them.
        _ = try? await store.deleteSessions(expiredBefore: start)
        return (id, record)
    }

    /// The live session with this id, or nil (unknown, idle too long, past its end, or its key no
    /// longer an admin key in good standing; such a session is deleted).
    public func resume(id: String) async throws -> ConsoleSignedIn? {
        guard Self.isWellFormedToken(id) else { return nil }
        let hash = APIKeyFormat.hash(id)
        guard let record = try await store.session(idHash: hash) else { return nil }
        let current = now()
        if record.expiresAt <= current || record.lastSeenAt.addingTimeInterval(settings.idleTimeout) <= current {
            try await store.deleteSession(idHash: hash)
            return nil
        }
        var signedIn = ConsoleSignedIn(session: record, organization: nil, key: nil)
        if let keyID = record.keyID {
            guard let key = try await store.key(id: keyID), key.isUsable(at: current), key.role == .admin,
                  let organization = try await store.organization(id: key.organizationID), organization.id == record.organizationID
            else {
                try await store.deleteSession(idHash: hash)
                return nil
            }
            signedIn.key = key
            signedIn.organization = organization
        } else if record.organizationID != nil {
            return nil  // a key's session without its key: never written so, refused anyway
        }
        if current.timeIntervalSince(record.lastSeenAt) >= settings.touchInterval {
            try await store.touchSession(idHash: hash, at: Timestamps.truncate(current))
            signedIn.session.lastSeenAt = Timestamps.truncate(current)
        }
        return signedIn
    }

    /// Ends the session with this id on every node (nothing happens for an unknown id).
    public func signOut(id: String) async throws {
        guard Self.isWellFormedToken(id) else { return }
        try await store.deleteSession(idHash: APIKeyFormat.hash(id))
    }

    /// 32 random bytes, URL-safe base64 (43 characters): session ids and CSRF tokens.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        return APIKeyFormat.base64URL(bytes)
    }

    public static func isWellFormedToken(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    /// Compares two secrets in time independent of where they differ (over their SHA-256s, so
    /// lengths leak nothing either).
    public static func secretsMatch(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = Array(APIKeyFormat.hash(a).utf8), y = Array(APIKeyFormat.hash(b).utf8)
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0 && !a.isEmpty
    }
}
