import Foundation

/// The Mann-Whitney U test (Wilcoxon rank-sum), one-sided: is `x` stochastically greater than `y`?
///
/// Chosen for the regression gate because timings are skewed and have outliers (a neighbour's build
/// steals a core for a moment): the test uses ranks only, so one slow sample cannot decide, and it
/// assumes no distribution.
public enum MannWhitneyU {
    /// U of `x`: the pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counting one half.
    public static func statistic(_ x: [Double], _ y: [Double]) -> Double {
        var u = 0.0
        for a in x {
            for b in y {
                if a > b { u += 1 } else if a == b { u += 0.5 }
            }
        }
        return u
    }

    /// P(U ≥ observed U) when both samples come from one distribution: small means `x` is greater.
    /// Exact (the permutation distribution of U) when there are no ties and both samples hold at
    /// most 50 values; otherwise the normal approximation with tie and continuity corrections.
    public static func pValueGreater(_ x: [Double], _ y: [Double]) -> Double {
        precondition(!x.isEmpty && !y.isEmpty, "the Mann-Whitney U test needs two non-empty samples")
        let u = statistic(x, y)
        let all = x + y
        let hasTies = Set(all).count != all.count
        if !hasTies, x.count <= 50, y.count <= 50 {
            return exactUpperTail(u: Int(u), n: x.count, m: y.count)
        }
        return normalUpperTail(u: u, n: x.count, m: y.count, values: all)
    }

    /// Exact P(U ≥ u): the number of arrangements of n x's among n + m ranks whose U is at least u,
    /// over C(n + m, n). Counts by the recurrence f(n, m, u) = f(n − 1, m, u − m) + f(n, m − 1, u).
    static func exactUpperTail(u: Int, n: Int, m: Int) -> Double {
        let maxU = n * m
        // counts[j][k]: arrangements of i x's and j y's with U = k, for the current i.
        var previous = [[Double]](repeating: [Double](repeating: 0, count: maxU + 1), count: m + 1)
        for j in 0...m { previous[j][0] = 1 }  // i = 0: U is 0
        if n > 0 {
            for i in 1...n {
                var current = [[Double]](repeating: [Double](repeating: 0, count: maxU + 1), count: m + 1)
                current[0][0] = 1  // j = 0: U is 0
                if m > 0 {
                    for j in 1...m {
                        for k in 0...(i * j) {
                            // The largest value is an x (beats all j y's) or a y (beats none).
                            var count = current[j - 1][k]
                            if k >= j { count += previous[j][k - j] }
                            current[j][k] = count
                        }
                    }
                }
                previous = current
            }
        }
        let distribution = previous[m]
        let total = distribution.reduce(0, +)
        guard u <= maxU else { return 0 }
        let tail = distribution[max(0, u)...].reduce(0, +)
        return tail / total
    }

    /// Normal approximation of P(U ≥ u) with the variance corrected for ties.
    static func normalUpperTail(u: Double, n: Int, m: Int, values: [Double]) -> Double {
        let n1 = Double(n), n2 = Double(m), total = n1 + n2
        var tieTerm = 0.0
        for count in Dictionary(grouping: values, by: { $0 }).values.map(\.count) where count > 1 {
            let t = Double(count)
            tieTerm += t * t * t - t
        }
        let variance = n1 * n2 / 12 * ((total + 1) - tieTerm / (total * (total - 1)))
        guard variance > 0 else { return u > n1 * n2 / 2 ? 0 : 1 }
        let z = (u - n1 * n2 / 2 - 0.5) / variance.squareRoot()
        return 0.5 * erfc(z / 2.0.squareRoot())
    }
}
