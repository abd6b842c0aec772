import Synchronization

/// What `/ready` reports: the model is loaded and warmed up, and every configured dependency
/// (Redis, the database) answers. Checks are registered by whoever owns the dependency.
public final class Readiness: Sendable {
    public typealias Check = @Sendable () async -> Bool

    private let state = Mutex<(warm: Bool, checks: [(String, Check)])>((false, []))

    public init() {}

    public func markWarm() { state.withLock { $0.warm = true } }

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
        for (name, check) in checks { results.append((name, await check())) }
        return Report(ready: results.allSatisfy(\.1), checks: results)
    }
}
