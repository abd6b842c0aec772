/// What the gate concluded for one benchmark (see ``GateDecision``).
public struct GateVerdict: Sendable, Equatable {
    public enum Outcome: String, Sendable, Equatable {
        /// Not significantly slower than the reference times the tolerance.
        case pass
        /// Significantly slower than the reference times the tolerance: the gate fails.
        case regression
        /// Significantly faster than the reference divided by the tolerance: passes, and the
        /// reference should be recorded again so that the gate keeps its bite.
        case faster
    }

    public var outcome: Outcome
    /// Median of the current normalised samples over the reference's median (2.0: twice as slow).
    public var medianRatio: Double
    /// The Hodges-Lehmann interval's bounds for that ratio (95 %; from the pairwise ratios).
    public var ratioLow: Double
    public var ratioHigh: Double
    /// One-sided Mann-Whitney p-value for "current / tolerance is slower than the reference".
    public var pSlower: Double
    /// One-sided Mann-Whitney p-value for "current × tolerance is faster than the reference".
    public var pFaster: Double

    public init(outcome: Outcome, medianRatio: Double, ratioLow: Double, ratioHigh: Double, pSlower: Double, pFaster: Double) {
        self.outcome = outcome
        self.medianRatio = medianRatio
        self.ratioLow = ratioLow
        self.ratioHigh = ratioHigh
        self.pSlower = pSlower
        self.pFaster = pFaster
    }
}
