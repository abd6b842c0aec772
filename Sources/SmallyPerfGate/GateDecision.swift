/// The regression gate's rule, pure so that it is tested on its own.
///
/// Samples are *normalised* times: a workload's time over the calibration loop's time measured just
/// before it, in the same process. A slower machine makes both slower and leaves the ratio nearly
/// unchanged; a slower workload moves only the numerator.
///
/// A benchmark regresses when its current samples, divided by `tolerance`, are still significantly
/// greater than the reference samples (one-sided Mann-Whitney U, level `alpha`). The tolerance absorbs
/// what calibration cannot (a CPU whose caches or memory favour one workload more than the loop);
/// the test keeps noise from deciding.
public enum GateDecision {
    public static func decide(reference: [Double], current: [Double], tolerance: Double, alpha: Double) -> GateVerdict {
        precondition(tolerance >= 1, "a tolerance is a factor ≥ 1")
        let slowerP = MannWhitneyU.pValueGreater(current.map { $0 / tolerance }, reference)
        let fasterP = MannWhitneyU.pValueGreater(reference, current.map { $0 * tolerance })
        let outcome: GateVerdict.Outcome = slowerP < alpha ? .regression : (fasterP < alpha ? .faster : .pass)
        let interval = ratioInterval(reference: reference, current: current)
        return GateVerdict(outcome: outcome, medianRatio: median(current) / median(reference),
                           ratioLow: interval.low, ratioHigh: interval.high, pSlower: slowerP, pFaster: fasterP)
    }

    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty)
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// A distribution-free 95 % interval for the ratio current/reference: the order statistics of all
    /// pairwise ratios at the ranks the normal approximation of U gives (Hodges-Lehmann).
    public static func ratioInterval(reference: [Double], current: [Double]) -> (low: Double, high: Double) {
        var ratios: [Double] = []
        ratios.reserveCapacity(reference.count * current.count)
        for c in current { for r in reference { ratios.append(c / r) } }
        ratios.sort()
        let n = Double(current.count), m = Double(reference.count)
        let half = 1.959964 * (n * m * (n + m + 1) / 12).squareRoot()
        let k = max(0, Int((n * m / 2 - half).rounded(.down)))
        return (ratios[min(k, ratios.count - 1)], ratios[max(0, ratios.count - 1 - k)])
    }
}
