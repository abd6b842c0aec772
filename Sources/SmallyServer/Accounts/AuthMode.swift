/// Whether the API requires keys. `SMALLY_AUTH=off` (or `disabled`, `false`, `0`) turns accounts
/// off for `smally serve`, where they are on by default; `ServerConfiguration()` leaves them off
/// so tests that don't care about keys need no store.
public enum AuthMode: String, Sendable {
    case enabled
    case disabled
}
