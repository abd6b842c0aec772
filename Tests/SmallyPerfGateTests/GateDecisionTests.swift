import Foundation
import Testing
@testable import SmallyPerfGate

@Suite struct GateDecisionTests {
    /// A reference spread like the gate's real samples (±8 % noise around 1.0), and a noise pattern
    /// that differs from it, so that "current" is never the reference itself.
    let reference: [Double] = (0..<20).map { (index: Int) -> Double in 1.0 + 0.08 * sin(Double(index) * 1.7) }
    func current(_ factor: Double) -> [Double] {
        (0..<20).map { (index: Int) -> Double in factor * (1.0 + 0.08 * cos(Double(index) * 2.3)) }
    }

    @Test func twiceAsSlowIsARegression() {
        let verdict = GateDecision.decide(reference: reference, current: current(2.0), tolerance: 1.5, alpha: 0.05)
        #expect(verdict.outcome == .regression)
        #expect(verdict.pSlower < 0.001)
        #expect(verdict.medianRatio > 1.8 && verdict.medianRatio < 2.2)
        #expect(verdict.ratioLow < verdict.medianRatio && verdict.medianRatio < verdict.ratioHigh)
    }

    @Test func withinTheToleranceIsNotARegression() {
        for factor in [0.9, 1.0, 1.2, 1.4] {
            let verdict = GateDecision.decide(reference: reference, current: current(factor), tolerance: 1.5, alpha: 0.05)
            #expect(verdict.outcome == .pass, "factor \(factor): \(verdict)")
        }
    }

    /// Slower beyond the tolerance in one sample only (an outlier) is not significant.
    @Test func oneOutlierDoesNotDecide() {
        var samples = current(1.0)
        samples[3] = 10
        let verdict = GateDecision.decide(reference: reference, current: samples, tolerance: 1.5, alpha: 0.05)
        #expect(verdict.outcome == .pass)
    }

    /// Few samples cannot reach significance even when every one is slower: the rule needs evidence.
    @Test func tooFewSamplesCannotFail() {
        let verdict = GateDecision.decide(reference: [1.0, 1.1], current: [3.0, 3.1], tolerance: 1.5, alpha: 0.05)
        #expect(verdict.pSlower > 0.05)
        #expect(verdict.outcome == .pass)
    }

    @Test func muchFasterAsksForANewReference() {
        let verdict = GateDecision.decide(reference: reference, current: current(0.4), tolerance: 1.5, alpha: 0.05)
        #expect(verdict.outcome == .faster)
    }

    @Test func theReferenceFileRoundTrips() throws {
        let file = GateThresholds(alpha: 0.05, recorded: "test CPU, debug build", entries: [
            .init(name: "a", repetitions: 3, tolerance: 1.5, reference: [1, 1.25, 0.5, 2, 1.125]),
        ])
        #expect(try GateThresholds(json: file.json()) == file)
    }

    @Test func aMalformedReferenceFileIsRefused() {
        let bytes = Array(#"{"alpha": 0.05, "recorded": "x", "benchmarks": [{"name": "a", "repetitions": 0, "tolerance": 1.5, "reference": [1,1,1,1,1]}]}"#.utf8)
        #expect(throws: GateThresholds.FormatError.self) { try GateThresholds(json: bytes) }
    }
}
