@testable import SmallyEngine
import SmallyTestSupport
import Testing

/// Batches split across CPUs (one single-threaded encoder per group) must give the vectors of
/// the unsplit batch, in the caller's order, and the same errors.
@Suite("split batches")
struct SplitBatchTests {
    @Test("partition puts every index in exactly one group and balances the cost")
    func partition() {
        let lengths = [3, 250, 12, 12, 40, 7, 7, 7, 128, 64, 5]
        let groups = InferenceEngine.partition(lengths: lengths, into: 2)
        #expect(groups.count == 2)
        #expect(groups.flatMap { $0 }.sorted() == Array(lengths.indices))
        for group in groups { #expect(group == group.sorted()) }
        func cost(_ group: [Int]) -> Double { group.reduce(0) { $0 + Double(lengths[$1]) + Double(lengths[$1] * lengths[$1]) / 2300 } }
        let (a, b) = (cost(groups[0]), cost(groups[1]))
        // Greedy largest-first: the gap is at most the largest single cost.
        #expect(abs(a - b) <= 250 + 250.0 * 250 / 2300)
        #expect(InferenceEngine.partition(lengths: [9], into: 2).map(\.count).sorted() == [0, 1])
        #expect(InferenceEngine.partition(lengths: [5, 5, 5, 5], into: 2).map(\.count) == [2, 2])
    }

    @Test("a split batch equals the unsplit batch and the golden vectors, in order")
    func splitEqualsUnsplit() async throws {
        let reference = try TestSupport.loadEngine()   // one thread, never splits
        let split = InferenceEngine(model: reference.model, threads: 2, splitMinimumTexts: 2)
        let cases = Array(TestSupport.goldenCases.prefix(24))
        let sequences = cases.map(\.token_ids)
        let splitVectors = try await split.embed(tokenIDs: sequences)
        let unsplit = try await reference.embed(tokenIDs: sequences)
        #expect(splitVectors.count == sequences.count)
        for index in sequences.indices {
            #expect(TestSupport.maxAbsDiff(splitVectors[index], unsplit[index]) <= 1e-5, "case \(index)")
            #expect(TestSupport.maxAbsDiff(splitVectors[index], cases[index].embedding) <= 1e-4, "case \(index) vs golden")
        }
        // (A single text on this engine is computed by both lanes together: TeamPassTests.)
    }

    @Test("every lane alone (one CPU, its own encoder) gives the golden vectors, also at the same time")
    func lanesMatchGolden() async throws {
        let reference = try TestSupport.loadEngine()
        let engine = InferenceEngine(model: reference.model, threads: 2, splitMinimumTexts: 2)
        #expect(engine.laneCount == 2)
        let cases = Array(TestSupport.goldenCases.prefix(16))
        let halves = [Array(cases.prefix(8)), Array(cases.suffix(8))]
        let results = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for lane in 0..<2 {
                group.addTask { (lane, try await engine.embed(tokenIDs: halves[lane].map(\.token_ids), lane: lane)) }
            }
            var byLane = [[[Float]]](repeating: [], count: 2)
            for try await (lane, vectors) in group { byLane[lane] = vectors }
            return byLane
        }
        for lane in 0..<2 {
            #expect(results[lane].count == 8)
            for (vector, golden) in zip(results[lane], halves[lane]) {
                #expect(TestSupport.maxAbsDiff(vector, golden.embedding) <= 1e-4, "lane \(lane): \(golden.text.prefix(40))")
            }
        }
    }

    @Test("errors in a split batch name the caller's index")
    func splitErrors() async throws {
        let reference = try TestSupport.loadEngine()
        let split = InferenceEngine(model: reference.model, threads: 2, splitMinimumTexts: 2)
        await #expect(throws: EngineError.tokenIDOutOfRange(index: 2, id: 40_000, vocabularySize: 30_522)) {
            _ = try await split.embed(tokenIDs: [[101, 102], [101, 2000, 102], [101, 40_000, 102]])
        }
    }
}
