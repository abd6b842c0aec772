import Testing
@testable import SmallyPerfGate

/// Reference values from SciPy 1.17 (`scipy.stats.mannwhitneyu(x, y, alternative="greater")`).
@Suite struct MannWhitneyUTests {
    @Test func exactSmallSamplesMatchSciPy() {
        let x = [1.9, 2.3, 2.1, 2.7, 1.8, 2.5]
        let y = [1.2, 1.6, 2.0, 1.1, 1.4, 1.7, 1.5]
        #expect(MannWhitneyU.statistic(x, y) == 40)
        #expect(abs(MannWhitneyU.pValueGreater(x, y) - 0.002331002331002331) < 1e-12)
    }

    @Test func exactFifteenAgainstFifteenMatchesSciPy() {
        let x = [1.0714, 1.1633, 1.111, 1.1812, 1.1877, 1.0197, 1.004, 1.2512, 1.0778, 1.0703, 1.2987, 1.1411, 1.2509, 1.1429, 1.1917]
        let y = [0.9877, 1.1087, 1.167, 1.0808, 1.1353, 1.1179, 0.966, 1.1396, 1.0978, 1.0253, 0.9578, 1.1664, 1.0682, 1.1297, 1.1697]
        #expect(MannWhitneyU.statistic(x, y) == 155)
        #expect(abs(MannWhitneyU.pValueGreater(x, y) - 0.040714672333595846) < 1e-12)
    }

    @Test func tiesUseTheCorrectedNormalApproximation() {
        let x: [Double] = [1, 2, 2, 3, 3, 3, 4]
        let y: [Double] = [1, 1, 2, 2, 3]
        #expect(MannWhitneyU.statistic(x, y) == 25.5)
        #expect(abs(MannWhitneyU.pValueGreater(x, y) - 0.10158695879254287) < 1e-9)
    }

    @Test func theTailOfTheWholeRangeIsOneAndBeyondItZero() {
        #expect(abs(MannWhitneyU.exactUpperTail(u: 0, n: 4, m: 5) - 1) < 1e-12)
        #expect(abs(MannWhitneyU.exactUpperTail(u: 20, n: 4, m: 5) - 1.0 / 126) < 1e-12)  // C(9, 4) = 126
        #expect(MannWhitneyU.exactUpperTail(u: 21, n: 4, m: 5) == 0)
    }
}
