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

/// What the CPU must have for this build's Swift code (`SMALLY_TARGET_CPU` at build time).
enum CPURequirement {
    static var problem: String? {
        #if SMALLY_NEEDS_AVX2_FMA
        if smally_kernel_available(Int32(SMALLY_KERNEL_AVX2)) == 0 {
            return "this binary's Swift code was built for x86-64 CPUs with AVX2 and FMA (Haswell, Zen or newer), "
                + "and this CPU lacks them. Build one for any x86-64 CPU with `SMALLY_TARGET_CPU=x86-64 swift build -c release` "
                + "(the matrix kernels still pick AVX2 or AVX-512 at run time where present)."
        }
        #endif
        return nil
    }
}

enum SmallyVersion {
    static let string = "0.1.0"
}
