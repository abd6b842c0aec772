import Foundation
import SmallyEngine
import SmallyTestSupport

/// The engine shared by the engine tests, and their helpers (paths and fixtures come from
/// SmallyTestSupport's ``RepositoryPaths`` and ``GoldenCase``).
enum TestSupport {
    static var modelDirectory: URL { RepositoryPaths.modelDirectory }

    /// The golden cases with their embeddings (see ``GoldenCase``).
    static var goldenCases: [GoldenCase] { GoldenCase.publicCases }

    static func loadEngine() throws -> InferenceEngine { try SharedEngine.get() }

    typealias SetupError = SharedEngine.SetupError

    static func maxAbsDiff(_ a: [Float], _ b: [Float]?) -> Float {
        guard let b, a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    static func cosine(_ a: [Float], _ b: [Float]?) -> Double {
        guard let b, a.count == b.count else { return 0 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smally-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
