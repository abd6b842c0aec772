/// One workload's samples from ``GateSampler``: per round, the workload's fastest chunk, the
/// calibration loop's fastest chunk beside it, and their ratio (what the gate tests).
public struct GateSamples: Sendable, Equatable {
    public var ratios: [Double] = []
    public var seconds: [Double] = []
    public var calibrationSeconds: [Double] = []

    public init() {}
}
