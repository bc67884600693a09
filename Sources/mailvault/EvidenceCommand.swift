import ArgumentParser

/// `mailvault evidence`: evidence that a provider withheld an envelope.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Check evidence of omission against a provider's signed receipt.",
        discussion: """
            Example:
              mailvault evidence check omission-0x4e60…-0x1f2e….json
            """,
        subcommands: [EvidenceCheck.self]
    )
}
