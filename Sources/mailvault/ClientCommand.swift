import ArgumentParser

/// `mailvault client`: what a user's app does, from the command line.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "A user's client: fetch your history from the best providers, verified.",
        discussion: """
            Example:
              mailvault client sync --topics 0xdeadbeef --bootstrap https://mail.example.org --data-dir ~/.mailvault
            """,
        subcommands: [ClientSync.self]
    )
}
