import ArgumentParser

/// `smally`: the Smally command line. `@main` lives here, not in main.swift, so that
/// ArgumentParser runs the async entry point.
@main
struct Smally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smally",
        abstract: "Smally: sentence embeddings (all-MiniLM-L6-v2) over HTTP, exact to sentence-transformers.",
        version: SmallyVersion.string,
        subcommands: [ServeCommand.self, EmbedCommand.self, BenchCommand.self, ModelCommand.self,
                      OrgsCommand.self, KeysCommand.self, UsageCommand.self, MigrateCommand.self]
    )
}

enum SmallyVersion {
    static let string = "0.1.0"
}
