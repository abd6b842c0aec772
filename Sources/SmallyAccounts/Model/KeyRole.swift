/// What a key may do. Every key may use the API; an `admin` key may also sign in to the web
/// console of its own organization (see ``ConsoleSessions``). Keys made before roles existed are `embed`.
public enum KeyRole: String, Sendable, Hashable, CaseIterable {
    /// The API only (the default).
    case embed
    /// The API and the console of its organization (usage, keys).
    case admin

    /// Parses a role as the CLI and admin API take it (`embed` or `admin`, any case).
    public static func parse(_ text: String) throws -> KeyRole {
        guard let role = KeyRole(rawValue: text.lowercased()) else {
            throw AccountsError(.invalidArgument, "role must be one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}
