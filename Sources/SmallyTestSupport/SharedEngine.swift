import SmallyEngine

/// The real model and engine, loaded once per test process for every test target. One thread:
/// suites share a 2-core machine, and BLAS workers spinning on both cores would starve the event
/// loops of the Redis and HTTP tests beside them. A missing model is a failure with instructions,
/// not a skip.
public enum SharedEngine {
    private static let loaded: Result<InferenceEngine, any Error> = Result {
        InferenceEngine(model: try EmbeddingModel(directory: RepositoryPaths.modelDirectory), threads: 1)
    }

    public static func get() throws -> InferenceEngine {
        do {
            return try loaded.get()
        } catch {
            throw SetupError(description: "cannot load the model from \(RepositoryPaths.modelDirectory.path) (run `make model`): \(error)")
        }
    }

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }
}

/// Two dozen short queries for batching tests.
public enum SampleQueries {
    public static let twentyFour = (0..<24).map { "query number \($0) about \(["billing", "passwords", "shipping", "refunds"][$0 % 4])" }
}
