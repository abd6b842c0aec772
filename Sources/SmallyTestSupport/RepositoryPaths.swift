import Foundation

/// Where the tests find the repository, the model and the fixtures: the repository root (three
/// folders above this file), the model folder (`$SMALLY_MODEL_DIR`, else `models/all-MiniLM-L6-v2`)
/// and `Tests/Fixtures`. Tests never read anything outside the repository.
public enum RepositoryPaths {
    /// <root>/Sources/SmallyTestSupport/RepositoryPaths.swift → <root>
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static var modelDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["SMALLY_MODEL_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return root.appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")
}
