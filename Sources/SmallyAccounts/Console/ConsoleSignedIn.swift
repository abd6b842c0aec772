/// Who a console session belongs to, as checked on this request: the operator (every
/// organization) or an admin key of one organization.
public struct ConsoleSignedIn: Sendable {
    public var session: ConsoleSessionRecord
    /// The organization of the admin key; nil for the operator.
    public var organization: Organization?
    /// The admin key that signed in; nil for the operator.
    public var key: APIKeyRecord?

    public init(session: ConsoleSessionRecord, organization: Organization?, key: APIKeyRecord?) {
        self.session = session
        self.organization = organization
        self.key = key
    }

    public var isOperator: Bool { session.isOperator }

    /// Whether this session may see and change `organization` (the operator: any; a key: its own).
    public func mayAccess(_ organization: Organization) -> Bool {
        isOperator || self.organization?.id == organization.id
    }

    /// Who is signed in, in words, for the page header (never a secret).
    public var who: String {
        if let key, let organization { return "\(key.name) (\(key.prefix)…) of \(organization.name)" }
        return "operator"
    }
}
