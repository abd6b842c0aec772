import Foundation

/// How long console sessions last (`SMALLY_CONSOLE_IDLE_MINUTES`, `SMALLY_CONSOLE_SESSION_HOURS`).
public struct ConsoleSessionSettings: Sendable, Hashable {
    /// A session unused for this long ends. Default 30 min.
    public var idleTimeout: TimeInterval = 30 * 60
    /// A session ends this long after sign-in, however active. Default 12 h.
    public var lifetime: TimeInterval = 12 * 3_600
    /// `last_seen_at` is written at most this often per session (a page view is not a write each time).
    public var touchInterval: TimeInterval = 60

    public init(idleTimeout: TimeInterval = 30 * 60, lifetime: TimeInterval = 12 * 3_600) {
        self.idleTimeout = idleTimeout
        self.lifetime = lifetime
        self.touchInterval = min(60, idleTimeout / 4)
    }
}
