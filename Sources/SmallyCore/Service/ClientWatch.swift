import Synchronization

/// Says that the client of a request has gone (closed its connection), so that work queued for it
/// that nobody will read is dropped before inference. Knows nothing of sockets: the HTTP layer
/// calls `markGone()` (see `ClientDisconnectHandler`); one watch per connection.
public final class ClientWatch: Sendable {
    private struct State {
        var gone = false
        var nextToken: UInt64 = 0
        var actions: [UInt64: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isGone: Bool { state.withLock { $0.gone } }

    /// Marks the client gone and runs what was registered (once; later calls do nothing).
    public func markGone() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.gone else { return [] }
            state.gone = true
            defer { state.actions = [:] }
            return Array(state.actions.values)
        }
        for action in actions { action() }
    }

    /// Runs `work` in a task of its own that is cancelled when the client goes (at once if it
    /// already has), or when the caller is cancelled.
    public func cancellingWhenGone<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        let token = state.withLock { state -> UInt64? in
            guard !state.gone else { return nil }
            defer { state.nextToken += 1 }
            state.actions[state.nextToken] = { task.cancel() }
            return state.nextToken
        }
        guard let token else {
            task.cancel()
            return try await task.value
        }
        defer { _ = state.withLock { $0.actions.removeValue(forKey: token) } }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }
}
