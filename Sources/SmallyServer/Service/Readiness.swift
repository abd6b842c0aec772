import Synchronization

/// What `/ready` reports: the model is loaded and warmed up, every configured dependency (Redis,
/// the database) answers, and the server is not draining. Checks are registered by whoever owns
/// the dependency.
public final class Readiness: Sendable {
    public typealias Check = @Sendable () async -> Bool

    private let state = Mutex<(warm: Bool, checks: [(String, Check)])>((false, []))
    /// Read on every response (``DrainMiddleware``): an atomic, not the lock.
    private let draining = Atomic<Bool>(false)

    public init() {}

    public func markWarm() { state.withLock { $0.warm = true } }

    /// From now on `/ready` answers 503 and every response carries `Connection: close`, so that a
    /// load balancer stops sending new work and no kept-alive connection is reused.
    public func beginDraining() { draining.store(true, ordering: .relaxed) }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func addCheck(_ name: String, _ check: @escaping Check) {
        state.withLock { $0.checks.append((name, check)) }
    }

    public struct Report: Sendable {
        public var ready: Bool
        public var checks: [(String, Bool)]
    }

    public func check() async -> Report {
        let (warm, checks) = state.withLock { ($0.warm, $0.checks) }
        var results: [(String, Bool)] = [("model", warm)]
        if isDraining { results.append(("accepting", false)) }
        for (name, check) in checks { results.append((name, await check())) }
        return Report(ready: results.allSatisfy(\.1), checks: results)
    }
}
