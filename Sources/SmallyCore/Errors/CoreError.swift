/// What the request path refuses, in its own terms; the HTTP layer maps each case to a status and
/// an error body in one place (`APIError.init(_:)` in SmallyServer).
public enum CoreError: Error, Sendable, Equatable {
    /// The monthly quota cannot take the request's embeddings; nothing was charged.
    case quotaExceeded(QuotaRefusal)
    /// The quota could not be checked and the fallback policy refuses (`QUOTA_FALLBACK=closed`).
    case quotaUnavailable
    /// The batch queue has no room for the request's texts (`queued` texts wait already).
    case overloaded(queued: Int)
    /// The batcher is draining for shutdown and takes no new work.
    case shuttingDown
    /// Token-id input the model cannot take.
    case invalidInput(InvalidTokenInput)
}
