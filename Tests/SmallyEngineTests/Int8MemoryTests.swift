@testable import SmallyEngine
import Testing

/// Issue #20's memory goal: an int8 MiniLM's resident weights ≤ 30 MB, every word-embedding row
/// counted (what a server holds once its traffic has used the whole vocabulary).
@Suite("int8 weights fit in 30 MB")
struct Int8MemoryTests {
    @Test("int8 MiniLM: weights a pass reads ≤ 30 MB (fp32: over 85 MB)")
    func residentWeights() throws {
        let int8 = try EmbeddingModel(directory: TestSupport.modelDirectory, precision: .int8)
        let fp32 = try TestSupport.loadEngine().model
        let c = int8.weights.configuration
        print("weights: int8 \(int8.weights.weightBytes) bytes, fp32 \(fp32.weights.weightBytes) bytes")
        #expect(int8.weights.weightBytes <= 30_000_000)
        // The count covers the whole int8 model: the int8 copies of the linear layers and of the word
        // embeddings (a byte per value) and the fp32 position embeddings, at least.
        let h = c.hiddenSize, i = c.intermediateSize
        let int8Values = c.layerCount * (3 * h * h + h * h + 2 * h * i) + c.vocabularySize * h
        #expect(int8.weights.weightBytes >= int8Values + c.maxPositions * h * 4)
        #expect(fp32.weights.weightBytes >= 4 * int8Values)
    }
}
