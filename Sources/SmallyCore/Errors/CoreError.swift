/// What the request path refuses, in its own terms; the HTTP layer maps each case to a status and
/// an error body in one place (`APIError.init(_:)` in SmallyServer).
public enum CoreError: Error, Sendable, Equatable {
    /// The monthly quota cannot take the request's embeddings; nothing was charged.
    case quotaExceeded(QuotaRefusal)
    /// The API key's requests per minute are used up; nothing was charged to the month.
    case rateLimited(RateLimitRefusal)
    /// The quota could not be checked and the fallback policy refuses (`QUOTA_FALLBACK=closed`).
    case quotaUnavailable
    /// The batch queue has no room for the request's texts (`queued` texts wait already).
    case overloaded(queued: Int)
    /// The request's work waited longer for a lane than the queue deadline (`SMALLY_MAX_QUEUE_MS`)
    /// and was refused instead of computed late; nothing of it was served.
    case queueTimeout(waitedMilliseconds: Int, limitMilliseconds: Int)
    /// Refused at admission: the work already queued would take the lanes longer than the queue
    /// deadline (`expectedMilliseconds`, from the measured cost per token), so the request's texts
    /// would be shed anyway; refusing now answers at once instead of after the deadline.
    case queueBehind(expectedMilliseconds: Int, limitMilliseconds: Int)
    /// The batcher is draining for shutdown and takes no new work.
    case shuttingDown
    /// Token-id input the model cannot take.
    case invalidInput(InvalidTokenInput)
    /// No such model (or none for the request's purpose).
    case modelNotFound(ModelNotFound)
    /// The model exists but does not do what the route does (an embedding model asked to rerank, …).
    case wrongModelKind(model: String, purpose: String)
    /// `prompt_name` is not one of the model's prompts.
    case unknownPrompt(UnknownPrompt)
    /// A text is longer than the model's limit and the request asked not to truncate.
    case inputTooLong(InputTooLong)
}
