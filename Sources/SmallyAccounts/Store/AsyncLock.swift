import Synchronization

/// A FIFO lock that may be held across `await`s: serialises the embedded store's statements
/// and transactions on its single SQLite connection. Short waits only (one statement or one small
/// transaction at a time).
///
/// A waiter whose task is cancelled leaves the queue at once and throws `CancellationError`:
/// a caller that gave up (``withDeadline`` cancels its work on timeout) must not keep its place
/// and run its statement later, or a burst of timed-out key lookups would hold the connection
/// long after their callers left and starve the usage writes queued behind them.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        /// Waiters by ticket; `order` holds the tickets in arrival order (cancelled ones are
        /// skipped when reached), so both enqueue and leave are O(1).
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var order: [UInt64] = []
        var head = 0
        var nextTicket: UInt64 = 0

        /// Drops tickets already served, keeping `order` from growing without bound.
        mutating func compact() {
            if head == order.count {
                order.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = Mutex(State())

    init() {}

    /// Waiters currently queued (for tests).
    var waiting: Int { state.withLock { $0.waiters.count } }

    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        try await lock()
        defer { unlock() }
        return try await body()
    }

    private func lock() async throws {
        let ticket = state.withLock { state -> UInt64? in
            if state.locked {
                state.nextTicket += 1
                return state.nextTicket
            }
            state.locked = true
            return nil
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Next { case acquired, wait, cancelled }
                let next = state.withLock { state -> Next in
                    // Checked under the lock: either the cancellation handler ran before this (and the
                    // flag is already set) or it runs after and finds the waiter queued.
                    if Task.isCancelled { return .cancelled }
                    if !state.locked {
                        state.locked = true
                        return .acquired
                    }
                    state.waiters[ticket] = continuation
                    state.order.append(ticket)
                    return .wait
                }
                switch next {
                case .acquired: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: ticket) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            while state.head < state.order.count {
                let ticket = state.order[state.head]
                state.head += 1
                if let next = state.waiters.removeValue(forKey: ticket) {
                    state.compact()
                    return next  // ownership passes straight to the next waiter
                }
            }
            state.compact()
            state.locked = false
            return nil
        }
        next?.resume()
    }
}
