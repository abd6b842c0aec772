import ArgumentParser
import Foundation
import CPackedGEMM

/// `smally`: the Smally command line. `@main` lives here, not in main.swift, so that
/// ArgumentParser runs the async entry point.
@main
struct Smally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smally",
        abstract: "Smally: sentence embeddings (all-MiniLM-L6-v2) over HTTP, exact to sentence-transformers.",
        version: SmallyVersion.string,
        subcommands: [ServeCommand.self, EmbedCommand.self, RerankCommand.self, BenchCommand.self, ModelCommand.self,
                      OrgsCommand.self, KeysCommand.self, UsageCommand.self, MigrateCommand.self]
    )

    /// Checks the CPU before any code built for a newer one runs (that would die with SIGILL and no
    /// word of why), then runs the command.
    static func main() async {
        if let problem = CPURequirement.problem {
            StandardError.print("smally: \(problem)")
            Foundation.exit(1)
        }
        await main(nil)
    }
}

/// What the CPU must have for this build's Swift code. A default build runs on any CPU of its
/// architecture (the kernels pick their instruction set at run time); one built with
/// `SMALLY_TARGET_CPU` (e.g. `haswell`) needs at least AVX2 and FMA.
enum CPURequirement {
    static var problem: String? {
        #if SMALLY_NEEDS_AVX2_FMA
        if smally_kernel_available(Int32(SMALLY_KERNEL_AVX2)) == 0 {
            return "this binary's Swift code was built with SMALLY_TARGET_CPU for x86-64 CPUs with AVX2 and FMA "
                + "(Haswell, Zen or newer), and this CPU lacks them. A default build (`swift build -c release`, "
                + "without SMALLY_TARGET_CPU) runs on any x86-64 CPU and picks its kernels at run time."
        }
        #endif
        return nil
    }
}

enum SmallyVersion {
    static let string = "0.1.0"
}
