import ArgumentParser

/// `mailvault providers`: choosing among providers.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "Discover, measure and rank providers.",
        discussion: """
            Example:
              mailvault providers rank --provider http://127.0.0.1:8080 --provider https://mail.example.org
            """,
        subcommands: [ProvidersRank.self, ProvidersDiscover.self]
    )
}
