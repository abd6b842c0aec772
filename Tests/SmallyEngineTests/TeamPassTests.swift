import Dispatch
import Foundation
@testable import SmallyEngine
import Synchronization
import SmallyTestSupport
import Testing

/// A lone text computed by all lanes together (each a share of every step, meeting at a spin
/// barrier) must give the vectors of one thread alone.
@Suite("passes shared by several threads")
struct TeamPassTests {
    @Test("the spin barrier lets no thread into a round before all have finished the previous one")
    func barrierRounds() async {
        let parties = 3, rounds = 2_000
        let barrier = SpinBarrier(parties: parties)
        let slots = Slots(count: parties)
        let mismatches = Atomic<Int>(0)
        let done = DispatchGroup()
        for member in 0..<parties {
            // Threads of their own: the global queue runs only as many blocks at once as there are
            // CPUs, and a spinning member would keep the last one from ever starting.
            done.enter()
            Thread {
                defer { done.leave() }
                for round in 1...rounds {
                    slots.write(member, round)
                    barrier.wait()
                    // Every member wrote this round's value before anyone got past the barrier...
                    for other in 0..<parties where slots.read(other) != round { mismatches.add(1, ordering: .relaxed) }
                    // ... and nobody writes the next round's before everyone has read this one.
                    barrier.wait()
                }
            }.start()
        }
        await withCheckedContinuation { continuation in done.notify(queue: .global()) { continuation.resume() } }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }

    /// One Int per member; the barrier orders the writes and reads.
    final class Slots: @unchecked Sendable {
        private let values: UnsafeMutablePointer<Int>
        init(count: Int) { values = .allocate(capacity: count); values.initialize(repeating: 0, count: count) }
        deinit { values.deallocate() }
        func write(_ index: Int, _ value: Int) { values[index] = value }
        func read(_ index: Int) -> Int { values[index] }
    }

    @Test("a single text on a two-lane engine equals one thread alone and the golden vector")
    func sharedPassMatchesGolden() async throws {
        let reference = try TestSupport.loadEngine()   // one thread
        let engine = InferenceEngine(model: reference.model, threads: 2)
        #expect(reference.model.weights.isPacked)
        // Short and long texts: sequences of 48 tokens or more take BLIS's attention path.
        let cases = TestSupport.goldenCases.sorted { $0.token_ids.count < $1.token_ids.count }
        let chosen = [cases[0], cases[cases.count / 2], cases[cases.count - 2], cases[cases.count - 1]]
        #expect(chosen.last!.token_ids.count >= BertEncoder.blasAttentionThreshold)
        for golden in chosen {
            let together = try await engine.embed(tokenIDs: [golden.token_ids])[0]
            let alone = try await reference.embed(tokenIDs: [golden.token_ids])[0]
            #expect(TestSupport.maxAbsDiff(together, alone) <= 1e-5, "\(golden.id): shared vs one thread")
            #expect(TestSupport.maxAbsDiff(together, golden.embedding) <= 1e-4, "\(golden.id): shared vs golden")
        }
    }
}
