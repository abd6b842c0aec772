import HTTPTypes
import SmallyCore
import SmallyJSON

extension APIError {
    /// The one mapping of the request path's errors to HTTP: status, error type and code, message,
    /// headers. Used by `ErrorAndRequestIDMiddleware` (and by `APIKeyMiddleware`, which adds the
    /// rate-limit headers to what it maps).
    init(_ error: CoreError) {
        switch error {
        case .quotaExceeded(let refusal):
            var headers = HTTPFields()
            headers[.retryAfter] = String(refusal.retryAfterSeconds)
            self.init(.tooManyRequests, type: "insufficient_quota",
                      message: "Monthly quota reached: this organization may embed \(refusal.limit) texts a month, "
                          + "\(refusal.remaining) remain and this request has \(refusal.requested). "
                          + "The quota resets at \(JSONValue.format(refusal.resetAt)).",
                      code: "quota_exceeded", headers: headers)
        case .rateLimited(let refusal):
            self = .rateLimited(limit: refusal.limit, resetAt: refusal.resetAt, retryAfterSeconds: refusal.retryAfterSeconds)
        case .quotaUnavailable:
            self = .quotaUnavailable
        case .overloaded:
            self = .overloaded(retryAfterSeconds: 1)
        case .queueTimeout(let waited, let limit):
            self = .queueTimeout(waitedMilliseconds: waited, limitMilliseconds: limit, retryAfterSeconds: 1)
        case .queueBehind(let expected, let limit):
            self = .retryable(.serviceUnavailable, type: "overloaded_error",
                              message: "Inference is about \(expected) ms behind, longer than this server's limit of \(limit) ms "
                                  + "for waiting; retry after 1 s.",
                              code: "queue_timeout", retryAfterSeconds: 1)
        case .shuttingDown:
            self = .unavailable("The server is shutting down; retry on another node.")
        case .invalidInput(let input):
            let code = switch input.problem {
            case .empty: "empty_input"
            case .tooManyTokens: "too_many_tokens"
            case .tokenIDOutOfRange: "invalid_token_id"
            }
            self = .invalidRequest(input.message, param: input.param, code: code)
        case .modelNotFound(let missing):
            self.init(.notFound, type: "invalid_request_error", message: missing.message, param: "model", code: "model_not_found")
        case .wrongModelKind(let model, let purpose):
            self = .invalidRequest("Model '\(model)' is not a\(purpose == "embedding" ? "n embedding" : " rerank (one-label cross-encoder)") model.",
                                   param: "model", code: "model_not_supported")
        case .unknownPrompt(let unknown):
            self = .invalidRequest(unknown.message, param: "prompt_name", code: "unknown_prompt")
        case .inputTooLong(let long):
            self = .invalidRequest(long.message, param: nil, code: "input_too_long")
        }
    }
}
