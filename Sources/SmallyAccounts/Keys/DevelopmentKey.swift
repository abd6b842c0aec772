import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// First start of the embedded store: with no organization at all, create `default` and a
/// development key, so a newcomer can call the API at once. The key is handed to `announce`
/// (printed once on stdout, never logged) and saved to `SMALLY_DATA_DIR/dev-api-key` (mode 0600).
/// The organization has the largest quota and rate limit an organization can have: it exists to
/// try the server (and load-test it with `make load-test`), which a tier's limits would refuse.
public enum DevelopmentKey {
    public static let fileName = "dev-api-key"
    public static let organizationName = "default"

    /// Returns the file written, or nil when the store already had organizations.
    public static func bootstrapIfEmpty(admin: AccountsAdmin, dataDirectory: String, tier: Tier = .scale,
                                        announce: @Sendable (_ key: String, _ path: String) -> Void) async throws -> String? {
        guard try await admin.store.organizations().isEmpty else { return nil }
        let organization = try await admin.createOrganization(name: organizationName, tier: tier,
                                                              monthlyQuota: AccountsAdmin.maximumMonthlyQuota,
                                                              requestsPerMinute: AccountsAdmin.maximumRequestsPerMinute)
        let created = try await admin.createKey(organization: organization.name, name: "development")
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        try writePrivateFile(path: path, contents: created.secret + "\n")
        announce(created.secret, path)
        return path
    }

    /// Writes a file only its owner can read (0600), replacing any previous one.
    static func writePrivateFile(path: String, contents: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw AccountsError(.configuration, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw AccountsError(.configuration, "cannot write \(path)")
        }
    }
}
